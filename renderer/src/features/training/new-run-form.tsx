import type { KeyboardEvent } from 'react';
import type { DatasetVersion } from '../../../../shared/datasets';
import { routeHref } from '../../app/router';
import { ErrorBanner } from '../../components/feedback';
import { count } from '../datasets/dataset-bits';
import { Field } from './form-field';
import { HyperparameterFields } from './hyperparameter-fields';
import { featureColumns } from './feature-columns';
import { editDraft, submitRun, useNewRun } from './new-run-store';
import { defaultExperimentName, guessTask, type Backend, type RunDraft } from './run-form-model';
import type { BackendChoice, FormData } from './use-form-data';

const BACKENDS: Array<{ value: '' | Backend; label: string; hint: string }> = [
  { value: '', label: 'Auto', hint: 'The fastest available: native GPU, native CPU, WebAssembly, then plain JavaScript.' },
  { value: 'node-gpu', label: 'node-gpu', hint: 'Native TensorFlow with CUDA (needs @tensorflow/tfjs-node-gpu and a GPU).' },
  { value: 'node', label: 'node', hint: 'Native TensorFlow on the CPU (needs @tensorflow/tfjs-node).' },
  { value: 'wasm', label: 'wasm', hint: 'WebAssembly with XNNPACK: fast on any machine, no native install.' },
  { value: 'cpu', label: 'cpu', hint: 'Plain JavaScript: slowest, always available.' },
];

function DataSection({ data, draft }: { data: FormData; draft: RunDraft }) {
  const errors = useNewRun((s) => s.errors);
  const { version, versions } = data;
  const latest = versions?.reduce((max, v) => Math.max(max, v.version), 0);
  const index = version?.schema.findIndex((c) => c.name === draft.target) ?? -1;
  const targetColumn = index >= 0 ? version?.schema[index] : undefined;
  const guess = targetColumn && version ? guessTask(targetColumn, version.stats[index]) : null;
  const versionError = errors.dataset ?? (data.missingVersion ? `${draft.dataset} has no version ${draft.version}; pick one of its versions.` : undefined);
  return (
    <fieldset className="form-section">
      <legend>Data</legend>
      <div className="form-row">
        <Field name="dataset" label="Dataset" error={versionError} hint={data.datasets?.length === 0 ? undefined : 'Versioned on import; the run records the exact version.'}>
          {(props) =>
            data.datasets?.length === 0 ? (
              <p className="form-empty" id={props.id}>
                No datasets yet. <a href={routeHref({ view: 'datasets' })}>Import one on the Datasets page</a> (the iris sample trains in seconds).
              </p>
            ) : (
              <select {...props} value={draft.dataset} onChange={(event) => editDraft({ dataset: event.target.value, version: '' })}>
                {!draft.dataset && <option value="">{data.datasets ? 'Pick a dataset…' : 'Loading…'}</option>}
                {draft.dataset && data.datasets && !data.datasets.some((d) => d.name === draft.dataset) && <option value={draft.dataset}>{draft.dataset} (not found)</option>}
                {data.datasets?.map((d) => (
                  <option key={d.name} value={d.name}>
                    {d.name} · {count.format(d.latestRows)} rows × {d.latestColumns}
                  </option>
                ))}
              </select>
            )
          }
        </Field>
        <Field name="version" label="Version" className="narrow">
          {(props) => (
            <select {...props} value={draft.version} disabled={!versions} onChange={(event) => editDraft({ version: event.target.value })}>
              <option value="">Latest{latest ? ` (v${latest})` : ''}</option>
              {[...(versions ?? [])]
                .sort((a, b) => b.version - a.version)
                .map((v) => (
                  <option key={v.version} value={String(v.version)}>
                    v{v.version} · {v.sha256.slice(0, 8)} · {count.format(v.rows)} rows
                  </option>
                ))}
            </select>
          )}
        </Field>
      </div>
      <div className="form-row">
        <Field name="target" label="Target column" error={errors.target} hint={targetColumn ? <TargetHint version={version!} target={draft.target} keepIdColumns={draft.keepIdColumns} type={targetColumn.type} /> : 'The column the model learns to predict.'}>
          {(props) => (
            <select {...props} value={draft.target} disabled={!version} onChange={(event) => editDraft({ target: event.target.value, ...(draft.experimentEdited ? {} : { experimentName: defaultExperimentName(draft.dataset, event.target.value) }) })}>
              {!draft.target && <option value="">Pick a column…</option>}
              {version?.schema.map((column) => (
                <option key={column.name} value={column.name} disabled={column.type === 'text'}>
                  {column.name} ({column.type}
                  {column.type === 'text' ? ', free text: not a target' : ''})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field name="task" label="Task" className="narrow" error={errors.task}>
          {(props) => (
            <select {...props} value={draft.task} onChange={(event) => editDraft({ task: event.target.value as RunDraft['task'] })}>
              <option value="">Auto{guess?.task ? `: ${guess.task}` : ''}</option>
              <option value="classification">Classification</option>
              <option value="regression">Regression</option>
            </select>
          )}
        </Field>
      </div>
      <div className="form-check">
        <label className="toggle" title="Integer columns whose values are all different (a row number, a customer id) let a network memorise rows instead of learning">
          <input type="checkbox" checked={draft.keepIdColumns} onChange={(event) => editDraft({ keepIdColumns: event.target.checked })} />
          <span>Use id-like columns as features</span>
        </label>
        <p className="field-hint">By default an integer column whose values are all distinct (a row or customer id) is left out, as free text is.</p>
      </div>
      {guess && !draft.task && guess.task && <p className="form-section-note muted" data-testid="task-guess">Auto picks <strong>{guess.task}</strong>: “{draft.target}” has {guess.reason}.</p>}
    </fieldset>
  );
}

function TargetHint({ version, target, keepIdColumns, type }: { version: DatasetVersion; target: string; keepIdColumns: boolean; type: string }) {
  const features = featureColumns(version, target, keepIdColumns).features.length;
  return (
    <>
      Type <strong>{type}</strong> · {features} feature column{features === 1 ? '' : 's'} · {count.format(version.rows)} rows
    </>
  );
}

function TrackingSection({ data, draft }: { data: FormData; draft: RunDraft }) {
  const errors = useNewRun((s) => s.errors);
  const name = draft.experimentName.trim();
  const existing = data.experiments.find((e) => e.name === name);
  return (
    <fieldset className="form-section">
      <legend>Tracking</legend>
      <div className="form-row">
        <Field
          name="experimentName"
          label="Experiment"
          error={errors.experimentName}
          hint={!name ? 'Runs are grouped by experiment.' : existing ? `Existing experiment · ${count.format(existing.runCount)} run${existing.runCount === 1 ? '' : 's'}` : 'New experiment: created when the run starts.'}
        >
          {(props) => (
            <>
              <input {...props} type="text" list="experiment-names" autoComplete="off" value={draft.experimentName} onChange={(event) => editDraft({ experimentName: event.target.value, experimentEdited: true })} />
              <datalist id="experiment-names">
                {data.experiments.map((e) => (
                  <option key={e.experimentId} value={e.name} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field name="runName" label="Run name (optional)" error={errors.runName} hint="Blank gives a generated name.">
          {(props) => <input {...props} type="text" autoComplete="off" placeholder="e.g. baseline-64x64" value={draft.runName} onChange={(event) => editDraft({ runName: event.target.value })} />}
        </Field>
      </div>
    </fieldset>
  );
}

type Availability = Partial<Record<Backend, string | null>>;

/** Arrow keys move the choice among the backends that can be picked, as in any radio group; one tab stop for the whole group. */
function moveChoice(event: KeyboardEvent<HTMLDivElement>, current: RunDraft['backend'], unavailable: Availability): void {
  const step = event.key === 'ArrowRight' || event.key === 'ArrowDown' ? 1 : event.key === 'ArrowLeft' || event.key === 'ArrowUp' ? -1 : 0;
  if (step === 0) return;
  event.preventDefault();
  const choices = BACKENDS.filter((b) => !b.value || !unavailable[b.value]);
  const index = Math.max(0, choices.findIndex((b) => b.value === current));
  const next = choices[(index + step + choices.length) % choices.length]!;
  editDraft({ backend: next.value });
  const buttons = event.currentTarget.querySelectorAll<HTMLButtonElement>('[role="radio"]');
  buttons[BACKENDS.indexOf(next)]?.focus();
}

function ComputeSection({ draft, backends }: { draft: RunDraft; backends: BackendChoice[] | null }) {
  const errors = useNewRun((s) => s.errors);
  const backend = BACKENDS.find((b) => b.value === draft.backend) ?? BACKENDS[0]!;
  const unavailable: Availability = Object.fromEntries((backends ?? []).filter((b) => !b.available).map((b) => [b.name, b.reason ?? 'not available here']));
  const missing = BACKENDS.filter((b) => b.value && unavailable[b.value]);
  return (
    <fieldset className="form-section">
      <legend>Compute</legend>
      <Field name="backend" label="TensorFlow.js backend" error={errors.backend} hint={backend.hint}>
        {(props) => (
          <div className="segmented backend-choice" role="radiogroup" aria-label="TensorFlow.js backend" aria-describedby={props['aria-describedby']} onKeyDown={(event) => moveChoice(event, draft.backend, unavailable)}>
            {BACKENDS.map((b) => {
              const why = b.value ? unavailable[b.value] : undefined;
              return (
                <button
                  key={b.value || 'auto'}
                  id={b.value === draft.backend ? props.id : undefined}
                  type="button"
                  role="radio"
                  aria-checked={b.value === draft.backend}
                  // A stale draft may still name a backend that is gone: it stays checked so the user sees it, but cannot be picked again.
                  disabled={!!why && b.value !== draft.backend}
                  aria-disabled={!!why}
                  title={why ? `Not available: ${why}` : b.hint}
                  tabIndex={b.value === draft.backend ? 0 : -1}
                  className={`${b.value === draft.backend ? 'selected' : ''}${why ? ' unavailable' : ''}`}
                  onClick={() => !why && editDraft({ backend: b.value })}
                >
                  {b.label}
                </button>
              );
            })}
          </div>
        )}
      </Field>
      {missing.length > 0 && (
        <ul className="form-section-note muted backend-missing" data-testid="backend-unavailable">
          {missing.map((b) => (
            <li key={b.value}>
              <strong>{b.label}</strong> unavailable: {unavailable[b.value as Backend]}
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}

/** The New run form: data, tracking, compute and hyperparameters, validated field by field. */
export function NewRunForm({ data, backends }: { data: FormData; backends: BackendChoice[] | null }) {
  const draft = useNewRun((s) => s.draft);
  const submitting = useNewRun((s) => s.submitting);
  const serverError = useNewRun((s) => s.serverError);
  return (
    <form
      className="card new-run-form"
      aria-label="New training run"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submitRun(data.version);
      }}
    >
      <DataSection data={data} draft={draft} />
      <TrackingSection data={data} draft={draft} />
      <ComputeSection draft={draft} backends={backends} />
      <HyperparameterFields />
      <div className="form-footer">
        {serverError && <ErrorBanner message={`Could not start training: ${serverError}`} />}
        <div className="form-actions">
          <span className="muted">Trains in a background process; you can leave this page.</span>
          <button type="submit" className="btn btn-primary" disabled={submitting || data.datasets?.length === 0}>
            {submitting ? 'Starting…' : 'Start training'}
          </button>
        </div>
      </div>
    </form>
  );
}
