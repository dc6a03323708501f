import { useState } from 'react';
import type { RegistrySettings } from '../../../../shared/app-api/models';
import { formatTime } from '../../components/format';
import { setFourEyes } from './models-store';

/** The registry-wide four-eyes rule, as a small switch among the model's facts. */
export function FourEyesSetting({ name, settings }: { name: string; settings: RegistrySettings }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = async (on: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await setFourEyes(name, on);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const changed = settings.updatedBy && settings.updatedTime !== null ? ` Last set by ${settings.updatedBy} on ${formatTime(settings.updatedTime)}.` : '';
  return (
    <div className="four-eyes" data-testid="four-eyes">
      <dt>Four-eyes review</dt>
      <dd>
        <label title={`For every model: champion needs an approval by someone other than the version's author (the run's user or who registered it).${changed}`}>
          <input type="checkbox" checked={settings.fourEyes} disabled={busy} onChange={(event) => void toggle(event.target.checked)} /> Reviewer must differ from the author
        </label>
        {error && (
          <span className="field-error" role="alert">
            {' '}
            {error}
          </span>
        )}
      </dd>
    </div>
  );
}
