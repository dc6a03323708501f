import { useCallback, useEffect, useRef, useState } from 'react';
import type { Job, JobKind, JobStatus } from '../../../../shared/automation';
import type { JobSummary } from '../../../../shared/app-api/jobs';
import { call, onAppEvent } from '../../api/app-client';

export interface JobFilter {
  status: JobStatus[];
  kind: JobKind | '';
}

const PAGE = 100;
const MAX_LIMIT = 500;
/**
 * Jobs run by another process (`mldesk jobs run`, a second app) send no event here: while any is
 * queued or running, the page also re-reads at this pace.
 */
const ACTIVE_POLL_MS = 1500;
/** Events arrive coalesced per job; a burst of them still costs one refetch per frame of this. */
const REFETCH_THROTTLE_MS = 250;

const isActive = (status: JobStatus) => status === 'queued' || status === 'running';

/** Calls `fn` at most once per `ms`, the last call always landing. */
function useThrottled(fn: () => void, ms: number): () => void {
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    timer.current = setTimeout(() => {
      timer.current = undefined;
      last.current = Date.now();
      latest.current();
    }, wait);
  }, [ms]);
}

/** A page of jobs (newest first) kept live by `jobs.changed` events, with per-status counts. */
export function useJobs(filter: JobFilter) {
  const [limit, setLimit] = useState(PAGE);
  const [state, setState] = useState<{ jobs: JobSummary[]; counts: Record<JobStatus, number> | null; more: boolean; error: string | null; loaded: boolean }>({ jobs: [], counts: null, more: false, error: null, loaded: false });
  const key = `${filter.status.join(',')}|${filter.kind}|${limit}`;
  const load = useCallback(async () => {
    try {
      const page = await call('jobs.list', { status: filter.status.length ? filter.status : undefined, kind: filter.kind ? [filter.kind] : undefined, limit });
      setState({ jobs: page.jobs, counts: page.counts, more: page.nextPageToken !== null, error: null, loaded: true });
    } catch (error) {
      setState((s) => ({ ...s, error: (error as Error).message, loaded: true }));
    }
    // `key` names every input of the query.
  }, [key]);
  const refetch = useThrottled(() => void load(), REFETCH_THROTTLE_MS);
  useEffect(() => {
    void load();
    return onAppEvent(() => refetch(), ['jobs.changed']);
  }, [load, refetch]);
  const active = state.jobs.some((job) => isActive(job.status));
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => void load(), ACTIVE_POLL_MS);
    return () => clearInterval(timer);
  }, [active, load]);
  return {
    ...state,
    canShowMore: state.more && limit < MAX_LIMIT,
    showMore: () => setLimit((l) => Math.min(MAX_LIMIT, l + PAGE)),
    reload: () => void load(),
  };
}

/** One job with its log tail; re-read on its events and, while it is queued or running, every second. */
export function useJob(id: string | null) {
  const [state, setState] = useState<{ job: Job | null; runName: string | null; error: string | null }>({ job: null, runName: null, error: null });
  const load = useCallback(async () => {
    if (!id) return;
    try {
      const answer = await call('jobs.get', { id });
      setState({ job: answer.job, runName: answer.runName, error: null });
    } catch (error) {
      setState((s) => ({ ...s, error: (error as Error).message }));
    }
  }, [id]);
  const refetch = useThrottled(() => void load(), REFETCH_THROTTLE_MS);
  useEffect(() => {
    setState({ job: null, runName: null, error: null });
    if (!id) return;
    void load();
    return onAppEvent((event) => event.type === 'jobs.changed' && event.payload.id === id && refetch(), ['jobs.changed']);
  }, [id, load, refetch]);
  const active = state.job !== null && isActive(state.job.status);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => void load(), 1000);
    return () => clearInterval(timer);
  }, [active, load]);
  return { ...state, reload: () => void load() };
}
