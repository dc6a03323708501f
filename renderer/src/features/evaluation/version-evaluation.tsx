import { useMemo, useState } from 'react';
import type { ModelVersionInfo } from '../../../../shared/app-api/models';
import { EVALUATION_RUNS_LIMIT } from '../../../../shared/evaluation';
import { EvaluationView } from './evaluation-view';

const DEFAULT_SHOWN = 3;

/** The versions shown first: the selected one, the champion, then the newest, oldest first on screen. */
function defaultPick(versions: ModelVersionInfo[], selected: string | null, champion: string | null): string[] {
  const withRun = versions.filter((v) => v.run);
  const order = [selected, champion, ...withRun.map((v) => v.version)].filter((v): v is string => v !== null && withRun.some((w) => w.version === v));
  return [...new Set(order)].slice(0, DEFAULT_SHOWN);
}

/** A model's versions side by side: their validation evaluations in shared charts and in column groups. */
export function VersionEvaluation({ versions, selected, champion }: { versions: ModelVersionInfo[]; selected: string | null; champion: string | null }) {
  const [picked, setPicked] = useState<string[] | null>(null);
  const shown = picked ?? defaultPick(versions, selected, champion);
  const withRun = versions.filter((v) => v.run).sort((a, b) => Number(a.version) - Number(b.version));
  const entries = useMemo(
    () => withRun.filter((v) => shown.includes(v.version)).map((v) => ({ runId: v.run!.runId, label: `v${v.version}` })),
    // The entries are named by the versions shown, not by the arrays' identity.
    [shown.join(','), withRun.map((v) => `${v.version}:${v.run!.runId}`).join(',')],
  );
  const toggle = (version: string) => {
    const next = shown.includes(version) ? shown.filter((v) => v !== version) : [...shown, version];
    setPicked(next.slice(-EVALUATION_RUNS_LIMIT));
  };
  return (
    <section className="card version-evaluation" data-testid="version-evaluation">
      <div className="card-header">
        <span>Evaluation across versions</span>
        <div className="evaluation-picker" role="group" aria-label="Versions to compare">
          {withRun.map((v) => (
            <label key={v.version}>
              <input type="checkbox" checked={shown.includes(v.version)} onChange={() => toggle(v.version)} />v{v.version}
            </label>
          ))}
        </div>
      </div>
      <div className="card-body">
        {entries.length === 0 ? (
          <p className="muted chart-empty">Pick versions above to compare their evaluations.</p>
        ) : (
          <EvaluationView entries={entries} emptyHint="None of these versions' runs recorded an evaluation: MLDesk writes one when it trains a model; versions logged from an MLflow client have none." />
        )}
      </div>
    </section>
  );
}
