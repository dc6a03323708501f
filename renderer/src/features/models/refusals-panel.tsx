import { useCallback, useEffect, useState } from 'react';
import type { Refusal } from '../../../../shared/app-api/predictions';
import { call } from '../../api/app-client';
import { formatRelative, formatTime } from '../../components/format';
import { CountedTitle } from './model-badges';

/** Refusals shown; the servers keep the newest 500 per model. */
const SHOWN = 50;
/** Model servers write refusals from other processes too (serve-model): the list is re-read this often. */
const REFRESH_MS = 3000;

const ENDPOINTS: Record<string, string> = { tfserving: ':predict', invocations: '/invocations', feedback: '/v1/feedback' };

/** The requests this model's servers refused (bad bodies, signature errors, unknown labels), newest first. */
export function RefusalsPanel({ model }: { model: string }) {
  const [refusals, setRefusals] = useState<Refusal[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setRefusals((await call('predictions.refusals', { model, limit: SHOWN })).refusals);
      setError(null);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, [model]);
  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  return (
    <section className="card refusals-panel" data-testid="refusals-panel">
      <div className="card-header">
        <CountedTitle title="Refused requests" count={refusals?.length ?? 0} />
        <span className="muted refusals-note">newest first</span>
      </div>
      {error && (
        <p className="deployment-error card-empty" role="alert">
          Could not read the refusals: {error}
        </p>
      )}
      {refusals && refusals.length === 0 && <p className="muted card-empty">No request to this model was refused.</p>}
      {refusals && refusals.length > 0 && (
        <ol className="refusals">
          {refusals.map((r, i) => (
            <li key={`${r.timestamp}-${i}`} className="refusal" data-testid="refusal">
              <div className="refusal-head">
                <span className="refusal-status" title={r.code}>
                  {r.status}
                </span>
                <span className="mono refusal-endpoint">{ENDPOINTS[r.endpoint] ?? r.endpoint}</span>
                {r.version && <span className="version-chip">v{r.version}</span>}
                <time className="muted refusal-time" dateTime={new Date(r.timestamp).toISOString()} title={formatTime(r.timestamp)}>
                  {formatRelative(r.timestamp)}
                </time>
              </div>
              <p className="refusal-reason" data-testid="refusal-reason">
                {r.reason}
              </p>
              <code className="mono refusal-input" title={r.input} data-testid="refusal-input">
                {r.input || '(empty body)'}
              </code>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
