import { useCallback, useEffect, useRef, useState } from 'react';
import type { OperationOutput } from '../../../../shared/app-api/operations';
import { REPRODUCTION_OF_TAG } from '../../../../shared/lineage';
import type { RunDetail } from '../../../../shared/app-api/entities';
import { call } from '../../api/app-client';

export type RunLineageAnswer = OperationOutput<'runs.lineage'>;

export interface RunLineageState {
  answer: RunLineageAnswer | null;
  error: string | null;
  /** The run this one reproduces, from its lineage or (before the lineage loads) its tag. */
  reproductionOf: string | null;
  /** A reproduction that ended but whose verdict is not readable yet: it is written just after. */
  awaitingVerdict: boolean;
  /** A reproduction that ended long ago without a verdict (the app stopped while it trained). */
  verdictMissing: boolean;
  refresh(): void;
}

const ENDED = new Set(['FINISHED', 'FAILED', 'KILLED']);
/** The verdict file lands right after the run's last status change; this covers a slow disk. */
const VERDICT_RETRY_MS = 750;
const VERDICT_RETRIES = 40;

/** A run's lineage record, graph and (for a reproduction) verdict, reloadable in place. */
export function useRunLineage(runId: string, run: Pick<RunDetail, 'status' | 'tags'> | null): RunLineageState {
  const status = run?.status;
  const [answer, setAnswer] = useState<RunLineageAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [retries, setRetries] = useState(0);
  const generation = useRef(0);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const next = await call('runs.lineage', { runId });
      if (mine !== generation.current) return;
      setAnswer(next);
      setError(null);
    } catch (caught) {
      if (mine === generation.current) setError((caught as Error).message);
    }
  }, [runId]);

  useEffect(() => {
    void load();
  }, [load]);

  const reproductionOf = answer?.lineage?.reproductionOf ?? run?.tags[REPRODUCTION_OF_TAG] ?? null;
  const ended = status !== undefined && ENDED.has(status);
  const waiting = !!answer && reproductionOf !== null && ended && answer.reproduction === null;

  // Status changes arrive as events; the verdict written after them does not, so look again a few times.
  useEffect(() => {
    if (!waiting || retries >= VERDICT_RETRIES) return;
    const timer = window.setTimeout(() => {
      setRetries((n) => n + 1);
      void load();
    }, VERDICT_RETRY_MS);
    return () => window.clearTimeout(timer);
  }, [waiting, retries, load]);

  return {
    answer,
    error,
    reproductionOf,
    awaitingVerdict: waiting && retries < VERDICT_RETRIES,
    verdictMissing: waiting && retries >= VERDICT_RETRIES,
    refresh: () => void load(),
  };
}
