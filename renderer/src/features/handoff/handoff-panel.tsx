import { useEffect, useState } from 'react';
import { packageDownloadPath, type Handoff, type ModelCard } from '../../../../shared/app-api/handoff';
import { call } from '../../api/app-client';
import { ErrorBanner, Spinner } from '../../components/feedback';
import { formatBytes, formatTime } from '../../components/format';
import { CopyButton } from '../run/copy-value';
import './handoff.css';

/** Five significant digits, trailing zeros dropped (4.3, not 4.3000). */
const figure = (value: number | null) => (value === null ? '—' : String(Number(value.toPrecision(5))));

function ApprovalState({ handoff }: { handoff: Handoff }) {
  if (handoff.approval.refusal === null)
    return (
      <p className="handoff-approval ok" data-testid="handoff-approval">
        <span aria-hidden="true">✓</span> Approved by {handoff.card.approvals.at(-1)?.reviewer ?? 'a reviewer'}: this version can be handed off.
      </p>
    );
  return (
    <p className="handoff-approval refused" role="alert" data-testid="handoff-approval">
      <span aria-hidden="true">⚠</span> Export is refused: {handoff.approval.refusal}
    </p>
  );
}

function CardPreview({ card, markdown }: { card: ModelCard; markdown: string }) {
  const metrics = Object.entries(card.metrics).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="card handoff-card" data-testid="handoff-model-card">
      <div className="card-header">
        <span>Model card</span>
        <span className="muted">model-card.md and model-card.json in the package</span>
      </div>
      <div className="card-body">
        <h3>Intended use</h3>
        <p className="handoff-prose">{card.intendedUse}</p>
        <p className="muted">
          Predicts <span className="mono">{card.target}</span> ({card.task}){card.classes ? `: ${card.classes.join(', ')}` : ''}.
        </p>
        <h3>Training data</h3>
        {card.trainingData ? (
          <p>
            <span className="mono">{card.trainingData.ref ?? card.trainingData.name}</span>, {card.trainingData.rows.toLocaleString('en-US')} rows,{' '}
            <span className="muted mono" title={card.trainingData.sha256 ?? ''}>
              sha256 {card.trainingData.sha256?.slice(0, 16) ?? 'unknown'}…
            </span>
          </p>
        ) : (
          <p className="muted">Unknown: no lineage was recorded.</p>
        )}
        <h3>Metrics</h3>
        {metrics.length === 0 ? (
          <p className="muted">None logged.</p>
        ) : (
          <dl className="handoff-metrics">
            {metrics.map(([key, value]) => (
              <div key={key}>
                <dt title={key}>{key}</dt>
                <dd>{figure(value)}</dd>
              </div>
            ))}
          </dl>
        )}
        <h3>Quality tests</h3>
        {card.qualityTests.length === 0 ? (
          <p className="muted">No quality tests were run on this version.</p>
        ) : (
          <ul className="handoff-list">
            {card.qualityTests.map((t) => (
              <li key={t.time}>
                {formatTime(t.time)} on <span className="mono">{t.dataset.ref}</span>: accuracy {figure(t.metrics.accuracy ?? t.metrics.rmse ?? null)}
                {t.overlapWarning && <span className="handoff-warn"> · {t.overlapWarning}</span>}
              </li>
            ))}
          </ul>
        )}
        <h3>Approvals</h3>
        {card.approvals.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <ul className="handoff-list" data-testid="handoff-approvals">
            {card.approvals.map((a) => (
              <li key={a.time}>
                {formatTime(a.time)} <strong className={a.decision === 'approved' ? 'handoff-ok' : 'handoff-bad'}>{a.decision}</strong> by {a.reviewer}
                {a.comment && <span className="muted">: {a.comment}</span>}
              </li>
            ))}
          </ul>
        )}
        <h3>Limits</h3>
        <table className="handoff-table" data-testid="handoff-limits">
          <thead>
            <tr>
              <th>feature</th>
              <th>type</th>
              <th>seen in training</th>
            </tr>
          </thead>
          <tbody>
            {card.limits.features.map((f) => (
              <tr key={f.name}>
                <td className="mono">{f.name}</td>
                <td>{f.type}</td>
                <td>{f.min !== undefined ? `${figure(f.min)} to ${figure(f.max ?? null)}` : (f.categories ?? []).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <ul className="handoff-list handoff-caveats">
          {card.limits.caveats.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
        <details className="handoff-markdown">
          <summary>model-card.md as written</summary>
          <pre>{markdown}</pre>
        </details>
      </div>
    </section>
  );
}

function Contents({ handoff }: { handoff: Handoff }) {
  return (
    <section className="card" data-testid="handoff-contents">
      <div className="card-header">
        <span>Contents</span>
        <span className="muted">
          {handoff.contents.length} files, {formatBytes(handoff.totalBytes)} before compression, signed manifest last
        </span>
      </div>
      <table className="handoff-table handoff-contents">
        <tbody>
          {handoff.contents.map((e) => (
            <tr key={e.path}>
              <td className="mono">{e.path}</td>
              <td className="num">{formatBytes(e.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Commands({ handoff }: { handoff: Handoff }) {
  return (
    <section className="card" data-testid="handoff-commands">
      <div className="card-header">
        <span>For operations</span>
        <span className="muted">after the download</span>
      </div>
      <div className="card-body">
        {handoff.commands.map((c) => (
          <div key={c.label} className="handoff-command">
            <p className="muted">{c.label}</p>
            <div className="handoff-command-row">
              <code>{c.command}</code>
              <CopyButton value={c.command} label={`Copy: ${c.label}`} />
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}

/** A model version's Handoff tab: approval, model card, package contents, download, and what operations run. */
export function HandoffPanel({ model, versions, selected }: { model: string; versions: string[]; selected: string | null }) {
  const [version, setVersion] = useState<string | null>(selected);
  const [handoff, setHandoff] = useState<Handoff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const shown = version ?? versions[0] ?? null;

  useEffect(() => {
    if (!shown) return;
    let live = true;
    setHandoff(null);
    setError(null);
    call('handoff.get', { model, version: shown }).then(
      (value) => live && setHandoff(value),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [model, shown]);

  if (!shown) return <p className="muted">No versions to hand off.</p>;
  return (
    <div className="handoff" data-testid="handoff-panel">
      <div className="handoff-head">
        <label>
          Version{' '}
          <select value={shown} onChange={(e) => setVersion(e.target.value)} data-testid="handoff-version">
            {versions.map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </select>
        </label>
        {handoff && (
          <>
            <ApprovalState handoff={handoff} />
            {handoff.approval.refusal === null ? (
              <a className="btn btn-primary" href={packageDownloadPath(model, shown)} download={handoff.fileName} data-testid="handoff-export">
                Export package
              </a>
            ) : (
              <button type="button" className="btn" disabled title={handoff.approval.refusal} data-testid="handoff-export">
                Export package
              </button>
            )}
          </>
        )}
      </div>
      {error && <ErrorBanner message={`Could not prepare the handoff of v${shown}: ${error}`} />}
      {!handoff && !error && <Spinner label="Reading the version…" />}
      {handoff && (
        <div className="handoff-grid">
          <CardPreview card={handoff.card} markdown={handoff.cardMarkdown} />
          <div className="handoff-side">
            <Commands handoff={handoff} />
            <Contents handoff={handoff} />
          </div>
        </div>
      )}
    </div>
  );
}
