import { useState, type FormEvent } from 'react';
import { navigate } from '../../app/router';
import { createExperiment, nameProblem } from './experiments-store';

/** Inline form at the top of the sidebar; a server refusal (a taken name) shows under the field. */
export function CreateExperimentForm({ onDone }: { onDone(): void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problem = nameProblem(name);
    if (problem) return setError(problem);
    setSaving(true);
    try {
      const experimentId = await createExperiment(name.trim());
      onDone();
      navigate({ view: 'experiments', experimentId });
    } catch (failure) {
      setError((failure as Error).message);
      setSaving(false);
    }
  };

  return (
    <form className="exp-create" onSubmit={(event) => void submit(event)} noValidate>
      <label className="visually-hidden" htmlFor="exp-create-name">
        Experiment name
      </label>
      <input
        id="exp-create-name"
        type="text"
        autoFocus
        autoComplete="off"
        placeholder="Experiment name"
        className={error ? 'invalid' : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'exp-create-error' : undefined}
        value={name}
        onChange={(event) => {
          setName(event.target.value);
          setError(null);
        }}
        onKeyDown={(event) => event.key === 'Escape' && onDone()}
      />
      {error && (
        <div id="exp-create-error" role="alert" className="field-error">
          {error}
        </div>
      )}
      <div className="exp-create-actions">
        <button type="button" className="btn btn-small btn-ghost" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-small btn-primary" disabled={saving}>
          {saving ? 'Creating…' : 'Create'}
        </button>
      </div>
    </form>
  );
}
