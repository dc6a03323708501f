import type { OperationOutput, OperationParsedInput } from '../../shared/app-api/operations.js';
import type { Services } from '../core/services.js';

type JobOperation = 'jobs.list' | 'jobs.get' | 'jobs.cancel';
type Handler<K extends JobOperation> = (input: OperationParsedInput<K>) => OperationOutput<K> | Promise<OperationOutput<K>>;

/** The jobs page (contract in shared/app-api/jobs.ts). */
export function createJobHandlers({ jobs, store }: Pick<Services, 'jobs' | 'store'>): { [K in JobOperation]: Handler<K> } {
  return {
    'jobs.list': (query) => {
      const page = jobs.store.page(query);
      return { ...page, jobs: page.jobs.map(({ logTail: _logTail, ...summary }) => summary) };
    },
    'jobs.get': ({ id }) => {
      const job = jobs.store.get(id);
      let runName: string | null = null;
      if (job.runId) {
        try {
          runName = store.runs.row(job.runId).name;
        } catch {
          // The run was deleted; the job still names its id.
        }
      }
      return { job, runName };
    },
    'jobs.cancel': async ({ id, reason }) => ({ job: await jobs.cancel(id, reason ?? 'cancelled from the app') }),
  };
}
