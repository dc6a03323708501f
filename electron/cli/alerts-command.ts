import type { Command } from 'commander';
import type { z } from 'zod';
import { AlertQuerySchema, AlertRuleCreateSchema, type Alert, type AlertRule, type WebhookDelivery } from '../../shared/alerts.js';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError, invalidParameter } from '../core/errors.js';
import { evaluateModelAlerts } from '../core/monitoring/alert-evaluation.js';
import { createRule, listAlerts, listDeliveries, listRules } from '../core/monitoring/alerts-store.js';
import { NewerDatabaseError, type SqliteDatabase } from '../core/store/database.js';
import { TrackingStore } from '../core/store/tracking-store.js';

/**
 * `mldesk alerts`: the alerts of a model (or all), their rules and webhook deliveries, and adding
 * a rule. Exit codes: 0 success, 1 an unexpected error, 2 bad input (flags, unknown model).
 */
const EXIT_UNEXPECTED = 1;
const EXIT_USAGE = 2;
const DATA_DIR_HELP = 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)';

interface Flags {
  dataDir?: string;
  json?: boolean;
  model?: string;
}

/** Names the flag behind each schema field. */
const FLAG_OF: Record<string, string> = { webhookUrl: '--webhook', limit: '--limit' };
function problems(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const field = i.path.at(-1)?.toString();
      return `${field ? `${FLAG_OF[field] ?? `--${field}`}: ` : ''}${i.message}`;
    })
    .join('; ');
}

function run<T>(command: string, flags: Flags, action: (db: SqliteDatabase) => T, text: (value: T) => string): void {
  let store: TrackingStore | undefined;
  try {
    store = TrackingStore.open(resolveDataDir(flags.dataDir));
    const value = action(store.db);
    process.stdout.write(flags.json ? `${JSON.stringify(value)}\n` : text(value));
    process.exitCode = 0;
  } catch (error) {
    const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError;
    const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message}`;
    if (flags.json) process.stdout.write(`${JSON.stringify({ error: { code: error instanceof MLDeskError ? error.code : 'INTERNAL_ERROR', message } })}\n`);
    process.stderr.write(`mldesk ${command}: ${message}\n`);
    process.exitCode = usage ? EXIT_USAGE : EXIT_UNEXPECTED;
  } finally {
    store?.close();
  }
}

const time = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace('.000Z', 'Z'));

function alertsText({ alerts }: { alerts: Alert[] }): string {
  if (alerts.length === 0) return 'No alerts.\n';
  return alerts
    .map(
      (a) =>
        `#${a.id} ${a.state.toUpperCase().padEnd(8)} ${a.message}\n    fired ${time(a.firedTime)}${a.resolvedTime !== null ? `, resolved ${time(a.resolvedTime)}` : ''}; ` +
        `windows ${a.evidence.windows.join(', ') || '-'}${a.evidence.features.length ? `; features ${a.evidence.features.join(', ')}` : ''}\n`,
    )
    .join('');
}

function rulesText({ rules }: { rules: AlertRule[] }): string {
  if (rules.length === 0) return 'No alert rules.\n';
  return rules.map((r) => `#${r.id} ${r.model}: ${r.description}${r.enabled ? '' : ' (disabled)'}${r.webhookUrl ? ` → ${r.webhookUrl}` : ''}\n`).join('');
}

function deliveriesText({ deliveries }: { deliveries: WebhookDelivery[] }): string {
  if (deliveries.length === 0) return 'No webhook deliveries.\n';
  return deliveries
    .map((d) => `#${d.id} alert #${d.alertId} ${d.event} → ${d.url}: ${d.status} after ${d.attempts} attempt(s)${d.lastError ? ` (last: ${d.lastError})` : ''}\n`)
    .join('');
}

export function registerAlertCommands(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('alerts fired by monitoring rules (newest first), the rules, and webhook deliveries')
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));

  // The default subcommand: `mldesk alerts --model NAME` lists; the other subcommands' --model flags stay theirs.
  alerts
    .command('list', { isDefault: true })
    .description('the alerts, newest first (the default)')
    .option('--model <name>', 'only this registered model')
    .option('--state <state>', 'firing or resolved')
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {"alerts": [...]}')
    .action((flags: Flags & { state?: string; limit?: string }) =>
      run(
        'alerts',
        flags,
        (db) => {
          const query = AlertQuerySchema.safeParse({ model: flags.model, state: flags.state, limit: flags.limit === undefined ? undefined : Number(flags.limit) });
          if (!query.success) throw invalidParameter(problems(query.error));
          return { alerts: listAlerts(db, query.data) };
        },
        alertsText,
      ),
    );

  alerts
    .command('rules')
    .description('the alert rules')
    .option('--model <name>', 'only this registered model')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {"rules": [...]}')
    .action((flags: Flags) => run('alerts rules', flags, (db) => ({ rules: listRules(db, flags.model) }), rulesText));

  alerts
    .command('deliveries')
    .description('the webhook delivery log')
    .option('--model <name>', 'only this registered model')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {"deliveries": [...]}')
    .action((flags: Flags) => run('alerts deliveries', flags, (db) => ({ deliveries: listDeliveries(db, { model: flags.model, limit: 100 }) }), deliveriesText));

  alerts
    .command('add-rule')
    .description('add an alert rule to a model, e.g. --model churn --kind quality --metric accuracy --threshold 0.8 --windows 3')
    .requiredOption('--model <name>', 'the registered model')
    .requiredOption('--kind <kind>', 'dataset_drift, feature_drift, quality, estimated_quality or null_rate')
    .option('--feature <name>', 'the feature (feature_drift, null_rate)')
    .option('--metric <name>', 'the quality metric, e.g. accuracy, f1_macro, rmse (quality, estimated_quality)')
    .option('--threshold <x>', 'the threshold (quality: below it, or above it for error metrics; null_rate: a share 0..1)')
    .option('--direction <below|above>', 'quality: fire below or above the threshold')
    .option('--windows <n>', 'consecutive windows the condition must hold (default 1)')
    .option('--webhook <url>', 'POST the alert here when it fires and resolves (http or https)')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--json', 'print one JSON object: {"rule": {...}}')
    .action((flags: Flags & { kind: string; feature?: string; metric?: string; threshold?: string; direction?: string; windows?: string; webhook?: string }) =>
      run(
        'alerts add-rule',
        flags,
        (db) => {
          const num = (value: string | undefined) => (value === undefined ? undefined : Number(value));
          const input = AlertRuleCreateSchema.safeParse({
            model: flags.model,
            rule: { kind: flags.kind, feature: flags.feature, metric: flags.metric, threshold: num(flags.threshold), direction: flags.direction, windows: num(flags.windows) },
            webhookUrl: flags.webhook,
          });
          if (!input.success) throw invalidParameter(problems(input.error));
          const rule = createRule(db, input.data);
          // The windows already stored answer at once: the alert list shows what the new rule sees.
          const fired = evaluateModelAlerts(db, rule.model).filter((a) => a.ruleId === rule.id);
          return { rule, alerts: fired };
        },
        ({ rule, alerts: fired }) => `Added rule #${rule.id} to ${rule.model}: ${rule.description}.\n${fired.map((a) => `Firing now: ${a.message}\n`).join('')}`,
      ),
    );
}
