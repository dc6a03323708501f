import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import { PipelineRunner } from '../core/automation/ct/pipeline-runner.js';
import { getPolicy, listPolicyRecords, setPolicy } from '../core/automation/ct/policy-store.js';
import { shadowComparison } from '../core/automation/ct/shadow-store.js';
import type { Services } from '../core/services.js';

type PipelineOperation = 'ct.policy.get' | 'ct.policy.list' | 'ct.policy.set' | 'pipelines.list' | 'pipelines.get' | 'pipelines.run' | 'pipelines.shadow';
type Handler<K extends PipelineOperation> = (input: OperationParsedInput<K>, caller: { identity: string }) => OperationOutput<K>;

/** Continuous-training policies and pipeline runs (contract in shared/app-api/pipelines.ts). */
export function createPipelineHandlers(services: Pick<Services, 'store' | 'registry' | 'datasets' | 'jobs'>): { [K in PipelineOperation]: Handler<K> } {
  const db = services.store.db;
  let runner: PipelineRunner | undefined;
  const runnerOnce = () => (runner ??= new PipelineRunner(services));
  return {
    'ct.policy.get': ({ model }) => ({ policy: getPolicy(db, model) }),
    'ct.policy.list': () => ({ policies: listPolicyRecords(db) }),
    'ct.policy.set': ({ model, policy }) => ({ policy: setPolicy(db, model, policy) }),
    'pipelines.list': ({ model, limit }) => ({ pipelines: runnerOnce().pipelines.list({ model, limit }) }),
    'pipelines.get': ({ id }) => ({ pipeline: runnerOnce().pipelines.get(id) }),
    'pipelines.run': ({ model }, caller) => {
      const { id, done } = runnerOnce().start(model, { type: 'manual', detail: `started from the app by ${caller.identity}` });
      // Its steps go on in the background; their outcome is in the run's rows.
      void done;
      return { pipeline: runnerOnce().pipelines.get(id) };
    },
    'pipelines.shadow': ({ model }) => ({ comparison: shadowComparison(db, model) }),
  };
}
