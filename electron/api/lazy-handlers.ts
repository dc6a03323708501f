import type { OperationName } from '../../shared/app-api/operations.js';
import type { AppHandlers } from './app-handlers.js';

/**
 * An area's handlers whose module loads on the first call of any of them, not with the server:
 * sweeps, pipelines, jobs, handoff packages, bundle export, predictions, monitoring, quality tests
 * and alerts pull YAML, MLproject, zip writers, the pipeline runner and the drift statistics,
 * which the runs page (and an opened bundle, which runs none of them) never needs. `names` come from the area's contract, so the operations exist from the start and
 * answer exactly as the module's own handlers do.
 */
export function lazyHandlers<K extends OperationName>(contract: Record<K, unknown>, load: () => Promise<Pick<AppHandlers, K>>): Pick<AppHandlers, K> {
  let loading: Promise<Pick<AppHandlers, K>> | null = null;
  const handlers = {} as Pick<AppHandlers, K>;
  for (const name of Object.keys(contract) as K[]) {
    const call = async (...args: Parameters<AppHandlers[K]>) => {
      loading ??= load();
      const handler = (await loading)[name] as (...args: Parameters<AppHandlers[K]>) => unknown;
      return handler(...args);
    };
    handlers[name] = call as AppHandlers[K];
  }
  return handlers;
}
