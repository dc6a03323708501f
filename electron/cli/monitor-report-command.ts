import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { resolveDataDir } from '../core/data-dir.js';
import { MLDeskError } from '../core/errors.js';
import { monitorReport, type MonitorReport, type ReportColumn } from '../core/monitoring/monitor-report.js';
import { createServices, type Services } from '../core/services.js';
import { NewerDatabaseError } from '../core/store/database.js';

/**
 * `mldesk monitor NAME[@ALIAS|/VERSION]`: one window of a model's logged predictions against its
 * reference, computed now. Exit codes: 0 computed, 1 an unexpected error, 2 bad input (unknown
 * model or version, no reference, a bad --since or --last).
 */
export const EXIT_UNEXPECTED = 1;
export const EXIT_USAGE = 2;

export interface MonitorFlags {
  dataDir?: string;
  json?: boolean;
}

interface ReportFlags extends MonitorFlags {
  last?: number;
  since?: number;
}

/** Opens the data directory's services, runs `action`, prints its text or JSON, and sets the exit code. */
export async function runMonitorCli<T>(command: string, flags: MonitorFlags, action: (services: Services) => Promise<T>, describe: (value: T) => string): Promise<void> {
  let services: Services | undefined;
  try {
    services = createServices({ dataDir: resolveDataDir(flags.dataDir) });
    const value = await action(services);
    process.stdout.write(flags.json ? `${JSON.stringify(value)}\n` : `${describe(value)}\n`);
    process.exitCode = 0;
  } catch (error) {
    const usage = error instanceof MLDeskError || error instanceof NewerDatabaseError;
    const message = usage ? (error as Error).message : `unexpected error: ${(error as Error).message ?? String(error)}`;
    process.stderr.write(`mldesk ${command}: ${message}\n`);
    process.exitCode = usage ? EXIT_USAGE : EXIT_UNEXPECTED;
  } finally {
    await services?.close();
  }
}

function positiveCount(text: string): number {
  if (!/^\d{1,9}$/.test(text.trim()) || Number(text) < 1) throw new InvalidArgumentError(`'${text}' is not a positive whole number of predictions.`);
  return Number(text);
}

function isoTime(text: string): number {
  // A date alone, or a date and time (with a zone, else UTC as Date.parse reads ISO dates).
  const ms = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`'${text}' is not an ISO date or time (e.g. 2026-01-31 or 2026-01-31T12:00:00Z).`);
  return ms;
}

const figure = (value: number | null, digits = 4) => (value === null ? '-' : Number.isInteger(value) ? String(value) : value.toFixed(digits));

function columnLine(c: ReportColumn): string {
  const verdict = c.drifted === null ? `no verdict (${c.reason ?? 'not judged'})` : c.drifted ? 'DRIFT' : 'ok';
  const test = c.p_value !== null ? `p=${figure(c.p_value)} < ${c.threshold}` : `${figure(c.statistic)} >= ${c.threshold}`;
  const psi = c.psi === null ? '' : `  psi=${figure(c.psi)}`;
  const effect = c.effect_size ? `  ${c.effect_size.name}=${figure(c.effect_size.value, 3)} (${c.effect_size.magnitude})` : '';
  return `  ${c.column.padEnd(24)} ${c.type.padEnd(11)} ${c.method.padEnd(13)} ${test.padEnd(22)} ${verdict}${psi}${effect}`;
}

export function describeReport(report: MonitorReport): string {
  const lines = [
    `${report.model}/${report.version} against ${report.reference.dataset}@${report.reference.version} (sha256 ${report.reference.sha256.slice(0, 12)}, ${report.reference.source})`,
    `Window ${report.window.spec}: ${report.window.rows} predictions (${report.window.labelled_rows} labelled), ${report.window.from ?? '-'} to ${report.window.to ?? '-'}`,
    `Dataset drift: ${report.dataset_drift ? 'YES' : 'no'} (${report.drifted_columns} of ${report.columns.length} features drifted, share ${figure(report.share_drifted, 2)})`,
    ...report.columns.map(columnLine),
  ];
  if (report.prediction) lines.push('Prediction:', columnLine(report.prediction));
  if (report.quality.length > 0) lines.push(`Quality: ${report.quality.map((q) => `${q.metric} (${q.method}) ${figure(q.value)}`).join(', ')}`);
  lines.push(report.alerts.length === 0 ? 'Alerts: none firing' : `Alerts firing:\n${report.alerts.map((a) => `  ${a.fired_time} ${a.message}`).join('\n')}`);
  return lines.join('\n');
}

export function registerMonitorReport(monitor: Command): void {
  // Usage errors (a bad flag value) exit 2 as everywhere in the CLI; the subcommands registered
  // after this one inherit it.
  monitor.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE));
  // The report is `monitor`'s default subcommand rather than options of `monitor` itself: a parent's
  // options are taken from anywhere on the line, so `monitor import --data-dir D` would lose its own.
  monitor
    .command('report [target]', { isDefault: true })
    .description("a window of the model's logged predictions against its reference (the default: `mldesk monitor NAME` is `mldesk monitor report NAME`)")
    .option('--last <n>', 'the last N predictions (default: the current window of the model settings)', positiveCount)
    .option('--since <iso>', 'the predictions made since this time (ISO 8601)', isoTime)
    .option('--json', 'print one JSON object')
    .option('--data-dir <dir>', 'directory holding the database (default: $MLDESK_HOME, else the OS app-data folder)')
    .action(async (target: string | undefined, flags: ReportFlags) => {
      if (target === undefined) {
        monitor.help({ error: true });
        return;
      }
      if (flags.last !== undefined && flags.since !== undefined) {
        process.stderr.write('mldesk monitor: give --last or --since, not both.\n');
        process.exitCode = EXIT_USAGE;
        return;
      }
      await runMonitorCli('monitor', flags, (services) => monitorReport(services, { target, last: flags.last, since: flags.since }), describeReport);
    });
}
