import { useEffect, useState } from 'react';
import { api } from '../../api/app-client';
import { DRIFT_METHODS, type DriftMethod, type MonitorSettings } from '../../../../shared/monitoring';
import type { DatasetSummary } from '../../../../shared/datasets';
import './monitoring-settings-panel.css';

/**
 * The write side of the monitoring page (issue 13): a version's reference dataset given by hand,
 * a model's monitoring settings, and a monitoring pass run now. Values go to the server as typed:
 * its refusal names the field, is shown beside the form, and nothing is changed.
 */

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Picks a dataset version and makes it the reference of `model`/`version` (monitoring.setReference). */
export function ReferencePicker({ model, version, onChanged }: { model: string; version: string; onChanged: () => void }) {
  const [datasets, setDatasets] = useState<DatasetSummary[] | null>(null);
  const [dataset, setDataset] = useState('');
  const [versions, setVersions] = useState<number[]>([]);
  const [datasetVersion, setDatasetVersion] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api['datasets.list']({}).then(
      ({ datasets: list }) => {
        setDatasets(list);
        if (list[0]) setDataset(list[0].name);
      },
      (e: unknown) => setError(`Could not list datasets: ${message(e)}`),
    );
  }, []);
  useEffect(() => {
    if (!dataset) return;
    let live = true;
    api['datasets.get']({ ref: dataset }).then(
      (got) => {
        if (!live) return;
        const numbers = got.versions.map((v) => v.version).sort((a, b) => b - a);
        setVersions(numbers);
        setDatasetVersion(String(numbers[0] ?? ''));
      },
      (e: unknown) => live && setError(`Could not read ${dataset}: ${message(e)}`),
    );
    return () => {
      live = false;
    };
  }, [dataset]);

  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await api['monitoring.setReference']({ model, version, dataset: datasetVersion ? `${dataset}@${datasetVersion}` : dataset });
      onChanged();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  if (datasets && datasets.length === 0) return <p className="muted">No datasets yet: upload one on the Datasets page, then pick it here.</p>;
  return (
    <form
      className="reference-picker"
      data-testid="reference-picker"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label>
        Dataset{' '}
        <select value={dataset} onChange={(e) => setDataset(e.target.value)} aria-label="Reference dataset" disabled={!datasets}>
          {(datasets ?? []).map((d) => (
            <option key={d.name} value={d.name}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Version{' '}
        <select value={datasetVersion} onChange={(e) => setDatasetVersion(e.target.value)} aria-label="Reference dataset version">
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="btn btn-primary btn-small" disabled={busy || !dataset}>
        {busy ? 'Profiling…' : 'Set reference'}
      </button>
      {error && (
        <p role="alert" className="settings-error" data-testid="reference-error">
          {error}
        </p>
      )}
    </form>
  );
}

interface OverrideDraft {
  column: string;
  method: DriftMethod | '';
  threshold: string;
}

interface Draft {
  by: 'count' | 'hour' | 'day';
  size: string;
  minWindowRows: string;
  datasetShare: string;
  overrides: OverrideDraft[];
}

function toDraft(settings: MonitorSettings): Draft {
  return {
    by: settings.window.by,
    size: settings.window.by === 'count' ? String(settings.window.size) : '1000',
    minWindowRows: String(settings.minWindowRows),
    datasetShare: String(settings.datasetShare),
    overrides: Object.entries(settings.overrides).map(([column, o]) => ({ column, method: o.method ?? '', threshold: o.threshold === undefined ? '' : String(o.threshold) })),
  };
}

/** A number as typed; text that is not one goes through as is so that the server names the field. */
const asNumber = (text: string): number | string => (text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text);

function fromDraft(draft: Draft): unknown {
  const overrides: Record<string, { method?: DriftMethod; threshold?: number | string }> = {};
  for (const o of draft.overrides) {
    if (!o.column.trim()) continue;
    overrides[o.column.trim()] = { ...(o.method ? { method: o.method } : {}), ...(o.threshold.trim() ? { threshold: asNumber(o.threshold) } : {}) };
  }
  return {
    window: draft.by === 'count' ? { by: 'count', size: asNumber(draft.size) } : { by: draft.by },
    minWindowRows: asNumber(draft.minWindowRows),
    datasetShare: asNumber(draft.datasetShare),
    overrides,
  };
}

const METHOD_LABELS: Record<DriftMethod, string> = {
  ks: 'Kolmogorov–Smirnov',
  chisquare: 'chi-square',
  ztest: 'Z-test',
  wasserstein: 'Wasserstein',
  jensenshannon: 'Jensen–Shannon',
  psi: 'PSI',
};

/** A model's monitoring settings (all its versions) and a "Compute now", in a card that opens on demand. */
export function MonitoringSettingsCard({ model, features, onChanged }: { model: string; features: string[]; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!open) return;
    let live = true;
    api['monitoring.settings']({ model }).then(
      ({ settings }) => live && setDraft(toDraft(settings)),
      (e: unknown) => live && setError(`Could not load the settings: ${message(e)}`),
    );
    return () => {
      live = false;
    };
  }, [open, model]);

  const patch = (p: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...p } : d));
  const patchOverride = (i: number, p: Partial<OverrideDraft>) => setDraft((d) => (d ? { ...d, overrides: d.overrides.map((o, j) => (j === i ? { ...o, ...p } : o)) } : d));

  const run = async (what: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setNotice(await what());
      onChanged();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  const save = () =>
    run(async () => {
      // The schema is checked by the server, which names the field at fault.
      const { settings } = await api['monitoring.updateSettings']({ model, settings: fromDraft(draft!) as MonitorSettings });
      setDraft(toDraft(settings));
      return 'Saved. Windows computed from now on start a new series with these settings.';
    });
  const compute = () =>
    run(async () => {
      const { versions } = await api['monitoring.computeWindows']({ model });
      if (versions.length === 0) return 'No versions to compute.';
      return versions.map((v) => `v${v.version}: ${v.skipped ? `skipped (${v.skipped})` : `${v.stored.toLocaleString('en-US')} new windows over ${v.rows.toLocaleString('en-US')} rows`}`).join(' · ');
    });

  return (
    <details className="card monitoring-settings" data-testid="monitoring-settings" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="card-header">
        Monitoring settings <span className="muted card-note">windows, minimum rows, drift share and per-feature method and threshold · for every version of {model}</span>
      </summary>
      <div className="card-body">
        {!draft ? (
          error ? (
            <p role="alert" className="settings-error">
              {error}
            </p>
          ) : (
            <p className="muted">Loading settings…</p>
          )
        ) : (
          <form
            className="settings-form"
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <div className="settings-row">
              <label>
                Window by{' '}
                <select value={draft.by} onChange={(e) => patch({ by: e.target.value as Draft['by'] })} aria-label="Window by">
                  <option value="count">count of predictions</option>
                  <option value="hour">hour</option>
                  <option value="day">day</option>
                </select>
              </label>
              {draft.by === 'count' && (
                <label>
                  Rows per window <input type="number" min={1} value={draft.size} onChange={(e) => patch({ size: e.target.value })} aria-label="Rows per window" />
                </label>
              )}
              <label title="A window with fewer rows gets no drift verdict">
                Minimum rows for a verdict <input type="number" min={1} value={draft.minWindowRows} onChange={(e) => patch({ minWindowRows: e.target.value })} aria-label="Minimum rows" />
              </label>
              <label title="Dataset drift when at least this share of features drift">
                Dataset drift share <input type="number" min={0} max={1} step={0.05} value={draft.datasetShare} onChange={(e) => patch({ datasetShare: e.target.value })} aria-label="Dataset drift share" />
              </label>
            </div>
            <table className="overrides-table" data-testid="overrides-table">
              <thead>
                <tr>
                  <th>Feature</th>
                  <th>Method</th>
                  <th>Threshold</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {draft.overrides.length === 0 && (
                  <tr>
                    <td colSpan={4} className="muted">
                      No overrides: each feature uses the default test for its type and the reference size.
                    </td>
                  </tr>
                )}
                {draft.overrides.map((o, i) => (
                  <tr key={i} data-testid="override-row">
                    <td>
                      <input list="monitoring-feature-names" value={o.column} onChange={(e) => patchOverride(i, { column: e.target.value })} aria-label={`Override ${i + 1} feature`} />
                    </td>
                    <td>
                      <select value={o.method} onChange={(e) => patchOverride(i, { method: e.target.value as DriftMethod | '' })} aria-label={`Override ${i + 1} method`}>
                        <option value="">default</option>
                        {DRIFT_METHODS.map((m) => (
                          <option key={m} value={m}>
                            {METHOD_LABELS[m]}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <input type="number" step="any" placeholder="default" value={o.threshold} onChange={(e) => patchOverride(i, { threshold: e.target.value })} aria-label={`Override ${i + 1} threshold`} />
                    </td>
                    <td>
                      <button type="button" className="btn btn-small btn-ghost" onClick={() => patch({ overrides: draft.overrides.filter((_, j) => j !== i) })} aria-label={`Remove override ${i + 1}`}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <datalist id="monitoring-feature-names">
              {features.map((f) => (
                <option key={f} value={f} />
              ))}
            </datalist>
            <div className="settings-actions">
              <button type="button" className="btn btn-small" onClick={() => patch({ overrides: [...draft.overrides, { column: '', method: '', threshold: '' }] })}>
                Add override
              </button>
              <button type="submit" className="btn btn-primary btn-small" disabled={busy}>
                Save settings
              </button>
              <button type="button" className="btn btn-small" disabled={busy} onClick={() => void compute()} title="Profile pending references and store the closed windows now">
                {busy ? 'Working…' : 'Compute now'}
              </button>
            </div>
            {error && (
              <p role="alert" className="settings-error" data-testid="settings-error">
                {error}
              </p>
            )}
            {notice && (
              <p role="status" className="settings-notice" data-testid="settings-notice">
                {notice}
              </p>
            )}
          </form>
        )}
      </div>
    </details>
  );
}
