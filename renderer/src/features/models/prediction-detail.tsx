import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { OperationOutput } from '../../../../shared/app-api/operations';
import type { PredictionRecord } from '../../../../shared/app-api/predictions';
import { call } from '../../api/app-client';
import { routeHref } from '../../app/router';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { formatTime } from '../../components/format';
import { selectPrediction } from './prediction-log-store';

type Detail = OperationOutput<'predictions.get'>;

function Output({ output }: { output: PredictionRecord['output'] }) {
  if ('value' in output) {
    return (
      <p className="prediction-detail-value">
        <strong className="mono">{output.value}</strong>
      </p>
    );
  }
  if (!output.probabilities) {
    return (
      <p className="prediction-detail-value">
        <strong className="mono">{output.label}</strong> <span className="muted">(imported without probabilities)</span>
      </p>
    );
  }
  const classes = Object.entries(output.probabilities).sort((a, b) => b[1] - a[1]);
  return (
    <ul className="probability-bars" aria-label="Probabilities">
      {classes.map(([name, probability]) => (
        <li key={name} className={name === output.label ? 'chosen' : undefined}>
          <span className="probability-name">{name}</span>
          <span className="probability-track">
            <span className="probability-fill" style={{ width: `${Math.max(0.5, probability * 100)}%` }} />
          </span>
          <span className="probability-value mono">{(probability * 100).toFixed(2)}%</span>
        </li>
      ))}
    </ul>
  );
}

function Body({ detail, model }: { detail: Detail; model: string }) {
  const p = detail.prediction;
  const facts: Array<[string, ReactNode]> = [
    ['Request id', <span className="mono">{p.requestId}</span>],
    ['Time', formatTime(p.timestamp)],
    ['Version', <a href={`${routeHref({ view: 'model', name: model })}?version=${p.modelVersion}`}>v{p.modelVersion}</a>],
    ['Latency', `${p.latencyMs.toFixed(3)} ms`],
    ['Endpoint', <span className="mono">{p.endpoint}</span>],
    ['Trained by run', p.runId ? <a href={routeHref({ view: 'run', runId: p.runId })} className="mono">{p.runId}</a> : '—'],
  ];
  return (
    <div className="prediction-detail-body">
      <dl className="prediction-facts">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <section>
        <h3>Output</h3>
        <Output output={p.output} />
      </section>
      {p.output.warnings?.length ? (
        <section className="range-warnings" aria-labelledby="range-warnings-title">
          <h3 id="range-warnings-title">⚠ Outside the training range</h3>
          <p>This prediction is an extrapolation: these inputs lie outside the values the version saw in training.</p>
          <table className="data-table" aria-label="Inputs outside the training range">
            <thead>
              <tr>
                <th>Feature</th>
                <th className="num">Value</th>
                <th className="num">Training range</th>
              </tr>
            </thead>
            <tbody>
              {p.output.warnings.map((w) => (
                <tr key={w.feature}>
                  <th scope="row">{w.feature}</th>
                  <td className="num mono">{w.value}</td>
                  <td className="num mono">
                    {w.min} to {w.max}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section>
        <h3>Inputs ({Object.keys(p.inputs).length})</h3>
        <table className="data-table prediction-detail-inputs" aria-label="Inputs">
          <tbody>
            {Object.entries(p.inputs).map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td className="mono">{typeof value === 'string' ? value : JSON.stringify(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h3>Ground truth</h3>
        {detail.feedbackHistory.length === 0 ? (
          <p className="muted">None yet: send it to the model server's /v1/feedback with this request id.</p>
        ) : (
          <ol className="feedback-history" aria-label="Feedback history">
            {detail.feedbackHistory.map((entry, i) => {
              const current = i === detail.feedbackHistory.length - 1;
              const verdict = 'label' in p.output ? (String(entry.actual) === p.output.label ? 'right' : 'wrong') : 'value';
              return (
                <li key={`${entry.timestamp}-${i}`} className={current ? 'current' : 'replaced'}>
                  <span className={`truth truth-${verdict}`}>{String(entry.actual)}</span>
                  <span className="muted">{formatTime(entry.timestamp)}</span>
                  <span className="muted">{current ? (detail.feedbackHistory.length > 1 ? 'counts (latest)' : 'counts') : 'replaced'}</span>
                </li>
              );
            })}
          </ol>
        )}
      </section>
    </div>
  );
}

/** One prediction in full, over the log: inputs, output with every class's probability, and its ground truth over time. */
export function PredictionDetail({ model, requestId }: { model: string; requestId: string }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let current = true;
    setDetail(null);
    setError(null);
    call('predictions.get', { model, requestId }).then(
      (answer) => current && setDetail(answer),
      (failure: Error) => current && setError(failure.message),
    );
    return () => {
      current = false;
    };
  }, [model, requestId]);

  useEffect(() => {
    closeRef.current?.focus();
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && selectPrediction(null);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="modal-backdrop" onMouseDown={(event) => event.target === event.currentTarget && selectPrediction(null)}>
      <div className="modal prediction-detail" role="dialog" aria-modal="true" aria-labelledby="prediction-detail-title" data-testid="prediction-detail">
        <div className="prediction-detail-head">
          <h2 id="prediction-detail-title">Prediction</h2>
          <button ref={closeRef} type="button" className="btn btn-small btn-ghost" onClick={() => selectPrediction(null)} aria-label="Close">
            ✕
          </button>
        </div>
        {error && <ErrorBanner message={`Could not load the prediction: ${error}`} />}
        {!detail && !error && <Spinner label="Loading…" />}
        {detail && <Body detail={detail} model={model} />}
      </div>
    </div>
  );
}
