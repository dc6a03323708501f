import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ALERT_RULE_KINDS, AlertRuleSpecSchema, WebhookUrlSchema, type AlertRule, type AlertRuleKind } from '../../../../shared/alerts';
import { call } from '../../api/app-client';
import { CountedTitle } from './model-badges';

const KIND_LABELS: Record<AlertRuleKind, string> = {
  dataset_drift: 'Dataset drift',
  feature_drift: 'A feature drifts',
  quality: 'Quality below (error above) X',
  estimated_quality: 'Estimated quality below X',
  null_rate: 'Null rate above X',
};
const NEEDS_FEATURE: readonly AlertRuleKind[] = ['feature_drift', 'null_rate'];
const NEEDS_METRIC: readonly AlertRuleKind[] = ['quality', 'estimated_quality'];
const NEEDS_THRESHOLD: readonly AlertRuleKind[] = ['quality', 'estimated_quality', 'null_rate'];

interface Draft {
  kind: AlertRuleKind;
  feature: string;
  metric: string;
  threshold: string;
  windows: string;
  webhook: string;
}
const EMPTY: Draft = { kind: 'dataset_drift', feature: '', metric: 'accuracy', threshold: '', windows: '1', webhook: '' };

/** The input as typed, for the rule schema to check. */
function ruleOf(d: Draft): Record<string, unknown> {
  const number = (text: string) => (text.trim() === '' ? undefined : Number(text));
  return {
    kind: d.kind,
    ...(NEEDS_FEATURE.includes(d.kind) ? { feature: d.feature } : {}),
    ...(NEEDS_METRIC.includes(d.kind) ? { metric: d.metric } : {}),
    ...(NEEDS_THRESHOLD.includes(d.kind) ? { threshold: number(d.threshold) } : {}),
    windows: number(d.windows),
  };
}

/** A model's alert rules: what fires its alerts (badge, notification, webhook), with a form to add one. */
export function AlertRulesCard({ model }: { model: string }) {
  const [rules, setRules] = useState<AlertRule[] | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(async () => setRules((await call('alerts.rules.list', { model })).rules), [model]);
  useEffect(() => {
    load().catch((failure: Error) => setError(failure.message));
  }, [load]);

  const act = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      await load();
      return true;
    } catch (failure) {
      setError((failure as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    // The contract's schemas check the form here, naming the field, before the server checks it again.
    const rule = AlertRuleSpecSchema.safeParse(ruleOf(draft));
    const webhook = draft.webhook.trim() === '' ? null : WebhookUrlSchema.safeParse(draft.webhook);
    if (!rule.success) return setError(rule.error.issues.map((i) => `${String(i.path.at(-1) ?? 'rule')}: ${i.message}`).join('; '));
    if (webhook && !webhook.success) return setError(`webhook: ${webhook.error.issues[0]!.message}`);
    const webhookUrl = webhook ? webhook.data : null;
    if (await act(() => call('alerts.rules.create', { model, rule: rule.data, webhookUrl }))) setDraft({ ...EMPTY, kind: draft.kind });
  };
  const set = (field: keyof Draft) => (event: { target: { value: string } }) => setDraft({ ...draft, [field]: event.target.value });

  return (
    <section className="card alert-rules" data-testid="alert-rules">
      <div className="card-header">
        <CountedTitle title="Alert rules" count={rules?.length ?? 0} />
      </div>
      {rules && rules.length === 0 && <p className="muted card-empty">No rules: this model's monitoring raises no alerts.</p>}
      {rules && rules.length > 0 && (
        <ul className="alert-rule-list">
          {rules.map((r) => (
            <li key={r.id} data-testid="alert-rule" className={r.enabled ? '' : 'disabled'}>
              <label title={r.enabled ? 'Enabled: uncheck to stop it (its open alerts resolve)' : 'Disabled'}>
                <input type="checkbox" checked={r.enabled} disabled={busy} onChange={(e) => void act(() => call('alerts.rules.update', { id: r.id, enabled: e.target.checked }))} />
                <span>{r.description}</span>
              </label>
              {r.webhookUrl && (
                <span className="muted alert-rule-hook" title={r.webhookUrl}>
                  webhook
                </span>
              )}
              <button data-writes type="button" className="btn btn-small" aria-label={`Delete rule: ${r.description}`} disabled={busy} onClick={() => void act(() => call('alerts.rules.delete', { id: r.id }))}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <form data-writes className="alert-rule-form" onSubmit={(e) => void add(e)} aria-label="Add an alert rule">
        <select aria-label="Rule kind" value={draft.kind} onChange={set('kind')}>
          {ALERT_RULE_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_LABELS[k]}
            </option>
          ))}
        </select>
        {NEEDS_FEATURE.includes(draft.kind) && <input aria-label="Feature" placeholder="feature" value={draft.feature} onChange={set('feature')} />}
        {NEEDS_METRIC.includes(draft.kind) && <input aria-label="Metric" placeholder="accuracy, f1_macro, rmse…" value={draft.metric} onChange={set('metric')} />}
        {NEEDS_THRESHOLD.includes(draft.kind) && <input aria-label="Threshold" placeholder="threshold" inputMode="decimal" value={draft.threshold} onChange={set('threshold')} />}
        <label className="alert-rule-windows">
          for <input aria-label="Consecutive windows" inputMode="numeric" value={draft.windows} onChange={set('windows')} /> window(s)
        </label>
        <input aria-label="Webhook URL" className="alert-rule-webhook" placeholder="webhook URL (optional, http/https)" value={draft.webhook} onChange={set('webhook')} />
        <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
          Add rule
        </button>
      </form>
      {error && (
        <p className="field-error card-empty" role="alert" data-testid="alert-rule-error">
          {error}
        </p>
      )}
    </section>
  );
}
