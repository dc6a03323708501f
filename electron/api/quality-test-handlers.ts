import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { listQualityTests, runQualityTest } from '../core/monitoring/quality-tests.js';
import type { Services } from '../core/services.js';

type QualityTestOperation = 'qualityTests.run' | 'qualityTests.list';
type Input<K extends QualityTestOperation> = OperationParsedInput<K>;
type Output<K extends QualityTestOperation> = OperationOutput<K>;

/** Quality tests on demand (contract in shared/app-api/quality-tests.ts). */
export function createQualityTestHandlers(services: Pick<Services, 'store' | 'registry' | 'datasets'>) {
  return {
    'qualityTests.run': async (input: Input<'qualityTests.run'>): Promise<Output<'qualityTests.run'>> => ({ test: await runQualityTest(services, input) }),
    'qualityTests.list': ({ model, version }: Input<'qualityTests.list'>): Output<'qualityTests.list'> => ({
      tests: listQualityTests(services.registry, services.store.db, model, version),
    }),
  };
}
