import { useEffect, useState } from 'react';
import { api } from '../../api/app-client';
import { navigate, routeHref } from '../../app/router';
import { ErrorBanner } from '../../components/feedback';
import { Field } from '../training/form-field';
import { checkForm, EMPTY_FORM, fieldOfServerError, specOf, type FormErrors, type ParamKind, type ParamRow, type SweepForm } from './new-sweep-model';
// The form's fields (Field) are styled there; this page reuses them as they are.
import '../training/training.css';
import './sweeps.css';

const KINDS: Array<{ kind: ParamKind; label: string }> = [
  { kind: 'values', label: 'values' },
  { kind: 'uniform', label: 'uniform range' },
  { kind: 'log_uniform_values', label: 'log-uniform range' },
  { kind: 'int_uniform', label: 'integer range' },
];

function ParameterRows({ rows, errors, onChange }: { rows: ParamRow[]; errors: FormErrors; onChange(rows: ParamRow[]): void }) {
  const update = (index: number, patch: Partial<ParamRow>) => onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <fieldset className="sweep-params" data-testid="sweep-params">
      <legend>Parameters</legend>
      {rows.map((row, index) => (
        <div key={index} className="sweep-param-row" data-row={index}>
          <Field name={`parameters.${index}.name`} label="Name" error={errors[`parameters.${index}.name`]}>
            {(props) => <input {...props} value={row.name} onChange={(event) => update(index, { name: event.target.value })} />}
          </Field>
          <Field name={`parameters.${index}.kind`} label="Kind" error={errors[`parameters.${index}.kind`]}>
            {(props) => (
              <select {...props} value={row.kind} onChange={(event) => update(index, { kind: event.target.value as ParamKind })}>
                {KINDS.map((kind) => (
                  <option key={kind.kind} value={kind.kind}>
                    {kind.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {row.kind === 'values' ? (
            <Field name={`parameters.${index}.values`} label="Values (comma-separated)" error={errors[`parameters.${index}.values`]} className="sweep-param-values">
              {(props) => <input {...props} value={row.values} placeholder="32, 64, 128" onChange={(event) => update(index, { values: event.target.value })} />}
            </Field>
          ) : (
            <>
              <Field name={`parameters.${index}.min`} label="Min" error={errors[`parameters.${index}.min`]}>
                {(props) => <input {...props} inputMode="decimal" value={row.min} onChange={(event) => update(index, { min: event.target.value })} />}
              </Field>
              <Field name={`parameters.${index}.max`} label="Max" error={errors[`parameters.${index}.max`]}>
                {(props) => <input {...props} inputMode="decimal" value={row.max} onChange={(event) => update(index, { max: event.target.value })} />}
              </Field>
            </>
          )}
          <button type="button" className="btn btn-small btn-ghost sweep-param-remove" aria-label={`Remove parameter ${row.name || index + 1}`} onClick={() => onChange(rows.filter((_, i) => i !== index))}>
            Remove
          </button>
        </div>
      ))}
      {errors.parameters && (
        <p className="field-error" role="alert" data-testid="error-parameters">
          {errors.parameters}
        </p>
      )}
      <button type="button" className="btn btn-small" onClick={() => onChange([...rows, { name: '', kind: 'values', values: '', min: '', max: '' }])}>
        Add parameter
      </button>
    </fieldset>
  );
}

/** The New sweep form: project, entry point, method, metric, parameters, parallelism and early termination. */
export function NewSweepPage() {
  const [form, setForm] = useState<SweepForm>(EMPTY_FORM);
  const [errors, setErrors] = useState<FormErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'New sweep · MLDesk';
    return () => {
      document.title = 'MLDesk';
    };
  }, []);
  const set = <K extends keyof SweepForm>(key: K, value: SweepForm[K]) => setForm((current) => ({ ...current, [key]: value }));
  const submit = async () => {
    const found = checkForm(form);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const { sweep } = await api['sweeps.create']({ spec: specOf(form), parallel: Number(form.parallel) });
      navigate({ view: 'sweep', id: sweep.id });
    } catch (error) {
      const message = (error as Error).message;
      const field = fieldOfServerError(message, form);
      if (field) setErrors({ [field.field]: field.message });
      else setFailure(message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="page new-sweep-page" data-testid="new-sweep-page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <a href={routeHref({ view: 'sweeps' })}>Sweeps</a> / <span>New sweep</span>
      </nav>
      <header className="page-head">
        <div>
          <h1>New sweep</h1>
          <p className="muted">Runs a project’s entry point once per trial, a few at a time, and stops the losers early.</p>
        </div>
      </header>
      {failure && <ErrorBanner message={failure} />}
      <form
        className="card card-body sweep-form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <div className="sweep-form-grid">
          <Field name="name" label="Name" hint="Optional; shown in lists and as the sweep run's name.">
            {(props) => <input {...props} value={form.name} onChange={(event) => set('name', event.target.value)} />}
          </Field>
          <Field name="project" label="Project folder" error={errors.project} hint="Absolute path of a folder with an MLproject file." className="span-2">
            {(props) => <input {...props} value={form.project} placeholder="/home/me/projects/train" onChange={(event) => set('project', event.target.value)} />}
          </Field>
          <Field name="entry" label="Entry point" error={errors.entry}>
            {(props) => <input {...props} value={form.entry} onChange={(event) => set('entry', event.target.value)} />}
          </Field>
          <Field name="method" label="Method" hint="tpe learns from finished trials.">
            {(props) => (
              <select {...props} value={form.method} onChange={(event) => set('method', event.target.value as SweepForm['method'])}>
                <option value="random">random</option>
                <option value="tpe">tpe</option>
                <option value="grid">grid</option>
              </select>
            )}
          </Field>
          <Field name="metric" label="Metric" error={errors.metric}>
            {(props) => <input {...props} value={form.metric} onChange={(event) => set('metric', event.target.value)} />}
          </Field>
          <Field name="goal" label="Goal">
            {(props) => (
              <select {...props} value={form.goal} onChange={(event) => set('goal', event.target.value as SweepForm['goal'])}>
                <option value="minimize">minimize</option>
                <option value="maximize">maximize</option>
              </select>
            )}
          </Field>
          <Field name="run_cap" label="Trials" error={errors.run_cap} hint="At most this many.">
            {(props) => <input {...props} inputMode="numeric" value={form.runCap} onChange={(event) => set('runCap', event.target.value)} />}
          </Field>
          <Field name="parallel" label="Parallel" error={errors.parallel} hint="Trials running at once.">
            {(props) => <input {...props} inputMode="numeric" value={form.parallel} onChange={(event) => set('parallel', event.target.value)} />}
          </Field>
        </div>
        <ParameterRows rows={form.params} errors={errors} onChange={(params) => set('params', params)} />
        <fieldset className="sweep-form-grid sweep-early">
          <legend>Early termination</legend>
          <Field name="early_terminate.type" label="Rule">
            {(props) => (
              <select {...props} value={form.early} onChange={(event) => set('early', event.target.value as SweepForm['early'])}>
                <option value="asha">ASHA</option>
                <option value="median">median</option>
                <option value="none">none</option>
              </select>
            )}
          </Field>
          {form.early !== 'none' && (
            <Field name="early_terminate.min_iter" label="Min steps" error={errors['early_terminate.min_iter']} hint="First rung / warm-up.">
              {(props) => <input {...props} inputMode="numeric" value={form.minIter} onChange={(event) => set('minIter', event.target.value)} />}
            </Field>
          )}
          {form.early === 'asha' && (
            <Field name="early_terminate.eta" label="Eta" error={errors['early_terminate.eta']} hint="Keep the top 1/eta at each rung.">
              {(props) => <input {...props} inputMode="numeric" value={form.eta} onChange={(event) => set('eta', event.target.value)} />}
            </Field>
          )}
          <Field name="stale_after_s" label="Stale after (s)" error={errors.stale_after_s} hint="A trial silent this long is stopped.">
            {(props) => <input {...props} inputMode="decimal" value={form.staleAfter} onChange={(event) => set('staleAfter', event.target.value)} />}
          </Field>
        </fieldset>
        <div className="form-actions">
          <button data-writes type="submit" className="btn btn-primary" disabled={busy}>
            Start sweep
          </button>
        </div>
      </form>
    </main>
  );
}
