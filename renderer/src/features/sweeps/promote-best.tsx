import { useState } from 'react';
import type { SweepDetail } from '../../../../shared/app-api/sweeps';
import { api } from '../../api/app-client';
import { routeHref } from '../../app/router';

/** One click: tags the best trial's run as the sweep's pick, and registers its model when a model name is given. */
export function PromoteBest({ sweep }: { sweep: SweepDetail }) {
  const [model, setModel] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const best = sweep.trials.find((trial) => trial.number === sweep.bestTrial);
  const promote = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api['sweeps.promoteBest']({ id: sweep.id, model: model.trim() || undefined });
      setResult(answer.registered ? `Registered trial ${answer.trial} as ${answer.registered.name} version ${answer.registered.version}.` : `Tagged trial ${answer.trial}'s run as the sweep's best.`);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="promote-best" data-testid="promote-best">
      <input className="input" aria-label="Model name (optional)" placeholder="Model name (optional)" value={model} onChange={(event) => setModel(event.target.value)} disabled={!best} />
      <button data-writes type="button" className="btn btn-primary" disabled={!best || busy} onClick={() => void promote()}>
        Promote best
      </button>
      {result && (
        <p className="promote-result" role="status">
          {result} {best?.runId && <a href={routeHref({ view: 'run', runId: best.runId })}>Open run</a>}
        </p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
