import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { parseDatasetRef } from '../../shared/datasets.js';
import type { ColumnDrift, DatasetDrift } from '../../shared/monitoring.js';
import { dataDirLayout, resolveDataDir } from '../core/data-dir.js';
import { DatasetStore } from '../core/data/dataset-store.js';
import { MLDeskError } from '../core/errors.js';
import { compareTables, profileTable, readDriftTable } from '../core/monitoring/drift-files.js';

/**
 * `mldesk drift --reference FILE|DATASET[@V] --current FILE`: per-column drift of a file against a
 * reference file or stored dataset version, for CI and scripts. Exit codes: 0 computed, 1 with
 * --fail-on-drift when the dataset drifts, 2 bad input (missing file, unknown dataset, no common
 * columns, unparsable file) or anything else that kept the report from being computed.
 */
const EXIT_DRIFT = 1;
const EXIT_BAD_INPUT = 2;

class UsageError extends Error {}

interface DriftFlags {
  reference: string;
  current: string;
  json?: boolean;
  failOnDrift?: boolean;
  dataDir?: string;
  minRows?: number;
}

interface ReferenceSource {
  path: string;
  format?: string;
  label: string;
  describe: { kind: 'file'; path: string } | { kind: 'dataset'; name: string; version: number; sha256: string };
}

/** A path that exists is a file; anything else must name a stored dataset version. */
function resolveReference(text: string, dataDir: string | undefined): ReferenceSource {
  if (existsSync(text)) return { path: text, label: text, describe: { kind: 'file', path: text } };
  const ref = parseDatasetRef(text);
  if ('error' in ref) throw new UsageError(`--reference: no file '${text}', and ${ref.error}`);
  const root = resolveDataDir(dataDir);
  if (!existsSync(dataDirLayout(root).database)) {
    throw new UsageError(`--reference: no file '${text}', and no dataset either: ${root} holds no MLDesk database (pass --data-dir).`);
  }
  const store = DatasetStore.open(root);
  try {
    const version = store.getVersion(text);
    return {
      path: store.blobPath(version),
      format: version.format,
      label: `${version.name}@${version.version}`,
      describe: { kind: 'dataset', name: version.name, version: version.version, sha256: version.sha256 },
    };
  } catch (error) {
    if (error instanceof MLDeskError && error.code === 'RESOURCE_DOES_NOT_EXIST') throw new UsageError(`--reference: no file '${text}', and ${error.message}`);
    throw error;
  } finally {
    store.close();
  }
}

function columnJson(c: ColumnDrift) {
  return {
    column: c.column,
    type: c.type,
    method: c.method,
    statistic: c.statistic,
    threshold: c.threshold,
    drifted: c.drifted,
    p_value: c.pValue,
    psi: c.psi,
    effect_size: c.effectSize,
    null_rate_reference: c.nullRate.reference,
    null_rate_current: c.nullRate.current,
    reference_rows: c.referenceRows,
    current_rows: c.currentRows,
    reason: c.reason,
  };
}

const fmt = (value: number | null, digits = 4): string => (value === null ? '-' : Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(2) : value.toFixed(digits));
const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;

function verdictText(c: ColumnDrift): string {
  if (c.drifted === null) return `no verdict: ${c.reason ?? ''}`;
  if (c.drifted) return 'DRIFT';
  return c.reason ? 'no drift (negligible effect)' : 'no drift';
}

function table(report: DatasetDrift, reference: string, current: string, rows: { reference: number; current: number }, share: number): string {
  const header = ['column', 'type', 'method', 'statistic', 'threshold', 'p-value', 'effect size', 'PSI', 'nulls ref→cur', 'verdict'];
  const body = report.columns.map((c) => [
    c.column,
    c.type,
    c.method,
    fmt(c.statistic),
    String(c.threshold),
    fmt(c.pValue),
    c.effectSize ? `${c.effectSize.name} ${fmt(c.effectSize.value, 3)} ${c.effectSize.magnitude}` : '-',
    fmt(c.psi, 3),
    `${pct(c.nullRate.reference)}→${pct(c.nullRate.current)}`,
    verdictText(c),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const judged = report.columns.filter((c) => c.drifted !== null).length;
  return [
    `Reference: ${reference} (${rows.reference} rows)   Current: ${current} (${rows.current} rows)`,
    '',
    line(header),
    ...body.map(line),
    '',
    `Dataset drift: ${report.datasetDrift ? 'YES' : 'no'} (${report.driftedColumns} of ${judged} columns with a verdict drifted, ${pct(report.shareDrifted)}; dataset drift at ≥ ${pct(share)})`,
  ].join('\n');
}

async function runDrift(flags: DriftFlags): Promise<number> {
  const reference = resolveReference(flags.reference, flags.dataDir);
  // The current file (usually the larger) is parsed on a worker thread while this one reads the reference.
  const current = readDriftTable(flags.current, flags.current, undefined, true);
  const referenceTable = await readDriftTable(reference.path, reference.label, reference.format).catch(async (error: unknown) => {
    await current.catch(() => undefined);
    throw error;
  });
  // Profiling the reference (sorting every column) overlaps with the worker still parsing.
  const profiles = profileTable(referenceTable);
  const currentTable = await current;
  const share = 0.5;
  const labels = { reference: reference.label, current: flags.current };
  const report = compareTables(referenceTable, currentTable, labels, { options: { minRows: flags.minRows }, share }, profiles);
  if (flags.json) {
    const out = {
      reference: { ...reference.describe, rows: referenceTable.rows },
      current: { kind: 'file', path: flags.current, rows: currentTable.rows },
      columns: report.columns.map(columnJson),
      drifted_columns: report.driftedColumns,
      share_drifted: report.shareDrifted,
      dataset_drift: report.datasetDrift,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(`${table(report, reference.label, flags.current, { reference: referenceTable.rows, current: currentTable.rows }, share)}\n`);
  }
  return flags.failOnDrift && report.datasetDrift ? EXIT_DRIFT : 0;
}

function minRowsFlag(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--min-rows: expected a whole number from 1, got '${text}'.`);
  return Number(text);
}

export function registerDriftCommand(program: Command): void {
  program
    .command('drift')
    .description(
      'Per-column drift of a file against a reference file or stored dataset version (Evidently defaults: KS / chi-square / z-test ' +
        'on references up to 1,000 rows, Wasserstein/std and Jensen-Shannon above). Exit 0 computed, 1 with --fail-on-drift when the dataset drifts, 2 bad input.',
    )
    .requiredOption('--reference <file|dataset[@version]>', 'reference data: a CSV / JSON-lines file, or a stored dataset version')
    .requiredOption('--current <file>', 'current data: a CSV / JSON-lines file')
    .option('--json', 'print one JSON object: columns, drifted_columns, share_drifted, dataset_drift')
    .option('--fail-on-drift', 'exit 1 when the dataset drifts (at least half the columns with a verdict drifted)')
    .option('--min-rows <n>', 'fewest non-missing current values a column needs for a verdict (default 30)')
    .option('--data-dir <dir>', 'directory holding the datasets, for a DATASET[@VERSION] reference (default: $MLDESK_HOME, else the OS app-data folder)')
    // Commander exits 1 on usage errors; 1 means "drift" here, so usage is 2.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT))
    .action(async (raw: Omit<DriftFlags, 'minRows'> & { minRows?: string }) => {
      let code: number;
      try {
        code = await runDrift({ ...raw, minRows: raw.minRows === undefined ? undefined : minRowsFlag(raw.minRows) });
      } catch (error) {
        const known = error instanceof UsageError || error instanceof MLDeskError;
        const message = known ? (error as Error).message : `unexpected error: ${(error as Error).message ?? String(error)}`;
        if (raw.json) {
          const errorCode = error instanceof MLDeskError ? error.code : known ? 'INVALID_PARAMETER_VALUE' : 'INTERNAL_ERROR';
          process.stdout.write(`${JSON.stringify({ ok: false, error: { code: errorCode, message } })}\n`);
        }
        process.stderr.write(`mldesk drift: ${message}\n`);
        code = EXIT_BAD_INPUT;
      }
      process.exitCode = code;
    });
}
