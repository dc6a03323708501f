import { useMemo } from 'react';
import { EvaluationView } from './evaluation-view';

/** The run page's Evaluation tab: the figures training computed on the validation split. */
export function RunEvaluation({ runId, runName }: { runId: string; runName: string }) {
  const entries = useMemo(() => [{ runId, label: runName || runId.slice(0, 8) }], [runId, runName]);
  return <EvaluationView entries={entries} />;
}
