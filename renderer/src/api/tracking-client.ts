import type { Experiment, Run } from '../../../shared/tracking-types';

/** Error returned by the tracking API, carrying MLflow's error code. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`api/2.0/mlflow/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await response.json().catch(() => ({}))) as { error_code?: string; message?: string };
  if (!response.ok) throw new ApiError(payload.error_code ?? 'HTTP_ERROR', payload.message ?? `HTTP ${response.status}`);
  return payload as T;
}

export const trackingClient = {
  searchExperiments: () =>
    call<{ experiments?: Experiment[] }>('experiments/search', { max_results: 1000, order_by: ['last_update_time DESC'] }).then(
      (r) => r.experiments ?? [],
    ),
  searchRuns: (experimentId: string, filter: string) =>
    call<{ runs?: Run[] }>('runs/search', { experiment_ids: [experimentId], filter, max_results: 1000 }).then((r) => r.runs ?? []),
};
