import { useCallback, useEffect, useState } from 'react';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import type { CtPolicy, CtTrigger } from '../../../../shared/automation';
import { call } from '../../api/app-client';
import { formatRelative } from '../../components/format';

interface PolicyRecord {
  policy: CtPolicy;
  updatedTime: number;
}

function describeTrigger(trigger: CtTrigger): string {
  switch (trigger.type) {
    case 'alert':
      return trigger.alertId ? `alert ${trigger.alertId}` : 'a monitoring alert';
    case 'labelled_rows':
      return `${trigger.count.toLocaleString()} new labelled rows`;
    case 'schedule':
      return trigger.everyMinutes % 60 === 0 ? `every ${trigger.everyMinutes / 60} h` : `every ${trigger.everyMinutes} min`;
    case 'dataset_version':
      return `a new version of ${trigger.dataset}`;
    case 'manual':
      return 'by hand';
  }
}

/** What a new policy starts from: every field a user must decide on, with the defaults spelled out. */
function template(model: string): string {
  return `# Continuous-training policy for ${model}. Saved as a whole; a bad field is named and nothing changes.
triggers:
  - type: manual            # also: alert, labelled_rows (count), schedule (everyMinutes), dataset_version (dataset)
project: mlp                # the training project: 'mlp' (built-in) or an absolute folder with an MLproject file
entry: main
parameters: {}              # override the project's defaults (for mlp: the champion's), e.g. {epochs: "60"}
dataParameter: data         # the project parameter that receives the training data (a CSV file)
includeLabelledRows: true   # train on the reference data plus newly labelled prediction rows
holdout: DATASET@VERSION    # held out from both models' training data (checked by row hash)
metric: {name: accuracy, goal: maximize}
margin: 0.01                # the challenger must beat the champion by at least this on the holdout
qualityGates:
  - {metric: accuracy, op: ">=", threshold: 0.8}
autoApprove: false          # true: promote without a human review when every gate passes
alias: champion
shadow: true                # score the challenger on live traffic without answering with it
`;
}

/** The stored policy as the YAML a user edits; `model` is implied by the row. */
function asYaml(policy: CtPolicy): string {
  const { model: _model, ...rest } = policy;
  return toYaml(rest);
}

function PolicyEditor({ model, initial, onSaved, onCancel }: { model: string; initial: string; onSaved: () => void; onCancel: () => void }) {
  const [text, setText] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const save = async () => {
    let body: unknown;
    try {
      body = parseYaml(text);
    } catch (failure) {
      setError(`Not valid YAML: ${(failure as Error).message}`);
      return;
    }
    setSaving(true);
    try {
      await call('ct.policy.set', { model, policy: body });
      setError(null);
      onSaved();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setSaving(false);
    }
  };
  return (
    <form
      className="policy-editor"
      data-testid="policy-editor"
      data-writes
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <label htmlFor="policy-yaml">
        Policy for <strong>{model}</strong> (YAML, as <code>mldesk ct policy set {model} --file</code> takes it)
      </label>
      <textarea id="policy-yaml" spellCheck={false} rows={Math.min(24, Math.max(12, text.split('\n').length + 1))} value={text} onChange={(event) => setText(event.target.value)} aria-invalid={error !== null} />
      {error && (
        <p className="field-error" role="alert" data-testid="policy-error">
          {error}
        </p>
      )}
      <div className="policy-editor-actions">
        <button type="submit" className="btn btn-primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save policy'}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/**
 * Every model's continuous-training policy at a glance (what starts a run, what it compares, what
 * it must pass, whether it promotes on its own), edited in place as YAML, and run from its row.
 */
export function PoliciesCard({ onRun, running }: { onRun: (model: string) => void; running: boolean }) {
  const [records, setRecords] = useState<PolicyRecord[] | null>(null);
  const [models, setModels] = useState<string[]>([]);
  const [editing, setEditing] = useState<{ model: string; initial: string } | null>(null);
  const [newModel, setNewModel] = useState('');
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const [{ policies }, { models: registered }] = await Promise.all([call('ct.policy.list', {}), call('models.list', { limit: 500 })]);
      setRecords(policies);
      setModels(registered.map((model) => model.name));
      setError(null);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, []);
  useEffect(() => void load(), [load]);
  const without = models.filter((name) => !records?.some((record) => record.policy.model === name));

  return (
    <section className="card policies-card" data-testid="policies-card" aria-label="Policies">
      <div className="card-header">
        <span>Policies</span>
        {without.length > 0 && (
          <form
            className="policy-new"
            data-writes
            onSubmit={(event) => {
              event.preventDefault();
              const model = newModel || without[0]!;
              setEditing({ model, initial: template(model) });
            }}
          >
            <label>
              <span className="visually-hidden">Model for a new policy</span>
              <select value={newModel || without[0]} onChange={(event) => setNewModel(event.target.value)} data-testid="policy-new-model">
                {without.map((name) => (
                  <option key={name}>{name}</option>
                ))}
              </select>
            </label>
            <button type="submit" className="btn btn-small">
              New policy
            </button>
          </form>
        )}
      </div>
      {error && <p className="field-error card-body">Could not load the policies: {error}</p>}
      {records && records.length === 0 && !editing && (
        <p className="muted card-body" data-testid="policies-empty">
          {models.length === 0 ? 'No model is registered yet: register one from a run, then give it a policy here.' : 'No model has a policy yet: pick one above and press New policy.'}
        </p>
      )}
      {records && records.length > 0 && (
        <table className="data-table" data-testid="policies-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Starts on</th>
              <th>Trains</th>
              <th>Compares</th>
              <th>Gates</th>
              <th>Promotion</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {records.map(({ policy, updatedTime }) => (
              <tr key={policy.model} data-model={policy.model}>
                <td>
                  <strong>{policy.model}</strong>
                  {!policy.enabled && <span className="status status-killed policy-off">off</span>}
                  <div className="muted policy-updated">changed {formatRelative(updatedTime)}</div>
                </td>
                <td>{policy.triggers.map(describeTrigger).join(', ')}</td>
                <td>
                  <code>{policy.project}</code>
                  {policy.entry !== 'main' ? ` · ${policy.entry}` : ''}
                  {policy.includeLabelledRows ? <div className="muted">+ labelled rows</div> : null}
                </td>
                <td>
                  {policy.metric.name} {policy.metric.goal === 'maximize' ? '↑' : '↓'} by ≥ {policy.margin} on <code>{policy.holdout}</code>
                </td>
                <td>{policy.qualityGates.length === 0 ? <span className="muted">none</span> : policy.qualityGates.map((gate) => `${gate.metric} ${gate.op} ${gate.threshold}`).join(', ')}</td>
                <td>
                  {policy.autoApprove ? 'automatic' : 'after a review'} → <code>{policy.alias}</code>
                </td>
                <td className="policy-actions">
                  <button type="button" className="btn btn-small" data-writes onClick={() => setEditing({ model: policy.model, initial: asYaml(policy) })}>
                    Edit
                  </button>
                  <button type="button" className="btn btn-small btn-primary" data-writes disabled={running} onClick={() => onRun(policy.model)}>
                    Run now
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <div className="card-body">
          <PolicyEditor
            key={editing.model}
            model={editing.model}
            initial={editing.initial}
            onCancel={() => setEditing(null)}
            onSaved={() => {
              setEditing(null);
              void load();
            }}
          />
        </div>
      )}
    </section>
  );
}
