import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { bundleExportJobs } from '../core/bundles/bundle-export-jobs.js';
import type { Services } from '../core/services.js';

type BundleOperation = 'bundles.export';
type Handler<K extends BundleOperation> = (input: OperationParsedInput<K>) => Promise<OperationOutput<K>>;

/** Experiment bundles from the app (contract in shared/app-api/bundles.ts). */
export function createBundleHandlers({ store }: Pick<Services, 'store'>): { [K in BundleOperation]: Handler<K> } {
  return {
    'bundles.export': (input) => bundleExportJobs(store).start(input),
  };
}
