import { useEffect, useId, useState } from 'react';
import type { ModelSummary } from '../../../../shared/app-api/models';
import { call } from '../../api/app-client';
import { navigate } from '../../app/router';
import { FormDialog } from './form-dialog';
import './models.css';

/** Registers a run's model as a new version: of an existing model, or of a new one by that name. */
export function RegisterModelDialog({ runId, runName, suggestedName, onClose }: { runId: string; runName: string; suggestedName: string; onClose: () => void }) {
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [name, setName] = useState(suggestedName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameId = useId();

  useEffect(() => {
    call('models.list', { limit: 500 }).then(
      ({ models: found }) => setModels(found),
      () => setModels([]),
    );
  }, []);

  const trimmed = name.trim();
  const existing = models.find((m) => m.name === trimmed);
  const register = async () => {
    setBusy(true);
    setError(null);
    try {
      const { name: registered, version } = await call('models.register', { runId, name: trimmed });
      onClose();
      navigate({ view: 'model', name: registered });
      window.history.replaceState(null, '', `${window.location.hash}?version=${version}`);
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };

  return (
    <FormDialog title={`Register the model of ${runName}`} testId="register-dialog" confirmLabel="Register" busy={busy} error={error} canConfirm={trimmed !== ''} onConfirm={() => void register()} onCancel={onClose}>
      <p className="dialog-intro">The version keeps a link to this run, so its metrics, datasets and lineage show on the model’s page.</p>
      <label className="dialog-field" htmlFor={nameId}>
        Model name
      </label>
      <input id={nameId} type="text" list={`${nameId}-models`} value={name} onChange={(event) => setName(event.target.value)} placeholder="A new name, or pick an existing model" />
      <datalist id={`${nameId}-models`}>
        {models.map((m) => (
          <option key={m.name} value={m.name} />
        ))}
      </datalist>
      <p className="muted register-hint" data-testid="register-hint">
        {trimmed === ''
          ? 'Name a new model, or pick an existing one to add a version to it.'
          : existing
            ? `Adds a new version to the existing model ${existing.name}${existing.latestVersion ? ` (latest: v${existing.latestVersion})` : ''}.`
            : `Creates the model ${trimmed} with this run as version 1.`}
      </p>
    </FormDialog>
  );
}
