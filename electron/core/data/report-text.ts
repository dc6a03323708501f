import type { ColumnSchema, ColumnStats, DatasetSummary, DatasetVersion, ValidationReport } from '../../../shared/datasets.js';
import type { BlobCheck } from './blob-store.js';
import type { ImportResult } from './dataset-store.js';

/** Plain-text renderings for the terminal (`mldesk data ...` without --json). */

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Up to 4 significant digits, without trailing noise like 5.843333333333334. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatImport(result: ImportResult): string {
  const v = result.version;
  const what = `${v.rows} rows, ${v.schema.length} columns, ${formatBytes(v.bytes)}, sha256 ${v.sha256.slice(0, 12)}`;
  return result.created
    ? `Imported ${v.originalFileName} as ${v.ref} (${what}).`
    : `Unchanged: these bytes are already ${v.ref} (${what}); nothing new was stored.`;
}

export function formatList(datasets: DatasetSummary[]): string {
  if (datasets.length === 0) return 'No datasets yet. Import one with `mldesk data import FILE`.';
  return table(
    ['NAME', 'LATEST', 'VERSIONS', 'ROWS', 'COLUMNS', 'SIZE', 'UPDATED'],
    datasets.map((d) => [
      d.name,
      `@${d.latestVersion}`,
      String(d.versionCount),
      String(d.latestRows),
      String(d.latestColumns),
      formatBytes(d.latestBytes),
      new Date(d.updatedTime).toISOString().replace('T', ' ').slice(0, 19),
    ]),
  );
}

function summary(column: ColumnSchema, stats: ColumnStats | undefined): string {
  if (!stats) return '';
  switch (stats.kind) {
    case 'numeric':
      return `min ${formatNumber(stats.min)}  p50 ${formatNumber(stats.quantiles.p50)}  max ${formatNumber(stats.max)}  mean ${formatNumber(stats.mean)}  std ${formatNumber(stats.std)}`;
    case 'categories': {
      const shown = stats.top.slice(0, 4).map((entry) => `${entry.value} ${entry.count}`);
      const more = stats.distinct > shown.length ? ` (+${stats.distinct - shown.length} more)` : '';
      return `${stats.distinct} distinct: ${shown.join(', ')}${more}`;
    }
    case 'text':
      return stats.count === 0
        ? 'no values'
        : `${stats.distinctExact ? '' : '>= '}${stats.distinct} distinct, length ${stats.minLength}-${stats.maxLength}`;
    default:
      return column.type;
  }
}

export function formatVersion(version: DatasetVersion, history?: DatasetVersion[]): string {
  const lines = [
    `${version.ref}`,
    `  file      ${version.originalFileName} (${version.format}, ${formatBytes(version.bytes)})`,
    `  rows      ${version.rows}`,
    `  sha256    ${version.sha256}`,
    `  imported  ${new Date(version.createdTime).toISOString()}`,
  ];
  if (history && history.length > 1) {
    lines.push(`  versions  ${history.map((v) => `@${v.version}`).join(' ')} (latest @${history[history.length - 1]!.version})`);
  }
  lines.push('');
  lines.push(
    table(
      ['COLUMN', 'TYPE', 'NULLS', 'SUMMARY'],
      version.schema.map((column, i) => [column.name, column.type, String(column.nullCount), summary(column, version.stats[i])]),
    ),
  );
  return lines.join('\n');
}

export function formatValidation(report: ValidationReport): string {
  const head = `Validated ${report.file} (${report.rows} rows, ${report.format}) against ${report.against}: `;
  if (report.passed) return `${head}PASSED, no problems in ${report.checkedColumns.length} columns.`;
  const lines = [`${head}FAILED, ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}:`];
  const width = Math.max(...report.problems.map((problem) => problem.column.length));
  for (const problem of report.problems) lines.push(`  ${problem.column.padEnd(width)}  ${problem.kind.padEnd(15)}  ${problem.message}`);
  return lines.join('\n');
}

export function formatBlobCheck(ref: string, check: BlobCheck): string {
  return check.ok
    ? `${ref}: OK, ${check.path} still holds the imported bytes (sha256 ${check.expectedSha256}).`
    : `${ref}: DAMAGED, ${check.problem} (${check.path}). Import the original file again to repair it.`;
}
