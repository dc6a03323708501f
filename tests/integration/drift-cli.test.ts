/**
 * `mldesk drift` as CI runs it: the compiled CLI in a child process on generated CSVs (npm run
 * build first). Exit codes: 0 computed, 1 with --fail-on-drift when the dataset drifts, 2 bad input.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../electron/core/training/prng.js';
import { cleanupTempDirs, makeTempDir, runCli } from './server-process.js';

interface DriftJson {
  reference: { kind: string; rows: number; name?: string; version?: number; sha256?: string };
  current: { kind: string; path: string; rows: number };
  columns: Array<{
    column: string;
    type: string;
    method: string;
    statistic: number | null;
    threshold: number;
    drifted: boolean | null;
    p_value: number | null;
    psi: number | null;
    effect_size: { name: string; value: number; magnitude: string } | null;
    null_rate_reference: number;
    null_rate_current: number;
    reason: string | null;
  }>;
  drifted_columns: number;
  share_drifted: number;
  dataset_drift: boolean;
}

/** Columns: x1..x4 numeric (x1 shifted by `shift`σ), plan categorical (mix moved by `shift`), flag binary, income with missing cells. */
function csv(seed: number, rows: number, shift: number, shiftAll = false): string {
  const random = new SeededRandom(seed);
  const lines = ['x1,x2,x3,x4,plan,flag,income'];
  for (let i = 0; i < rows; i++) {
    const s = (k: number) => (k === 1 || shiftAll ? shift : 0);
    const x = [1, 2, 3, 4].map((k) => (random.normal() + s(k)).toFixed(5));
    const u = random.next();
    const planShift = shiftAll ? shift * 0.3 : 0;
    const plan = u < 0.5 - planShift ? 'basic' : u < 0.8 ? 'standard' : 'premium';
    const flag = random.next() < 0.3 ? 'yes' : 'no';
    const income = random.next() < 0.05 ? '' : (50_000 + 10_000 * random.normal()).toFixed(0);
    lines.push([...x, plan, flag, income].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The same rows as JSON lines: numbers as JSON numbers, empty cells as null. */
function jsonLines(text: string): string {
  const [header, ...rows] = text.trimEnd().split('\n');
  const names = header!.split(',');
  return rows
    .map((row) => JSON.stringify(Object.fromEntries(row.split(',').map((cell, i) => [names[i]!, cell === '' ? null : Number.isNaN(Number(cell)) ? cell : Number(cell)]))))
    .join('\n');
}

let dir = '';
const path = (name: string) => join(dir, name);
beforeAll(async () => {
  dir = await makeTempDir('drift-cli');
  writeFileSync(path('reference.csv'), csv(1, 800, 0));
  // Seed 8: none of the six unshifted columns is among the 5% false positives a test is allowed.
  writeFileSync(path('current-x1.csv'), csv(8, 900, 0.6));
  writeFileSync(path('current-all.csv'), csv(3, 900, 0.8, true));
  writeFileSync(path('big-reference.csv'), csv(4, 3000, 0));
  writeFileSync(path('tiny.csv'), csv(5, 12, 3, true));
  writeFileSync(path('other-columns.csv'), 'a,b\n1,2\n3,4\n');
  writeFileSync(path('ragged.csv'), 'x1,x2\n1,2\n3\n');
  writeFileSync(path('current-x1.jsonl'), jsonLines(csv(8, 900, 0.6)));
  writeFileSync(path('text-in-numeric.csv'), `${csv(6, 40, 0).trimEnd()}\nabc,1,1,1,basic,no,1\n`);
});
afterAll(async () => {
  await cleanupTempDirs();
});

const drift = (args: string[]) => runCli(['drift', ...args], { timeoutMs: 30_000 });

describe('mldesk drift', () => {
  it('prints one JSON object per the contract and flags the shifted column only (small reference: KS, chi-square, z-test)', async () => {
    const result = await drift(['--reference', path('reference.csv'), '--current', path('current-x1.csv'), '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as DriftJson;
    expect(report.columns.map((c) => [c.column, c.type, c.method])).toEqual([
      ['x1', 'numeric', 'ks'],
      ['x2', 'numeric', 'ks'],
      ['x3', 'numeric', 'ks'],
      ['x4', 'numeric', 'ks'],
      ['plan', 'categorical', 'chisquare'],
      ['flag', 'binary', 'ztest'],
      ['income', 'numeric', 'ks'],
    ]);
    for (const column of report.columns) {
      expect(Object.keys(column)).toEqual(expect.arrayContaining(['column', 'type', 'method', 'statistic', 'threshold', 'drifted', 'p_value', 'psi', 'effect_size']));
      expect(column.threshold).toBe(0.05);
      expect(column.drifted).toBe(column.column === 'x1');
      expect(column.effect_size).not.toBeNull();
    }
    const x1 = report.columns[0]!;
    expect(x1.p_value!).toBeLessThan(1e-6);
    expect(x1.effect_size).toMatchObject({ name: 'wasserstein_std' });
    expect(x1.psi!).toBeGreaterThan(0.1);
    const income = report.columns.find((c) => c.column === 'income')!;
    expect(income.null_rate_reference).toBeGreaterThan(0.02);
    expect(income.null_rate_current).toBeGreaterThan(0.02);
    expect(report).toMatchObject({ drifted_columns: 1, dataset_drift: false, reference: { kind: 'file', rows: 800 }, current: { rows: 900 } });
    expect(report.share_drifted).toBeCloseTo(1 / 7, 10);
  });

  it('uses distances above 1,000 reference rows, and prints a readable table without --json', async () => {
    const json = await drift(['--reference', path('big-reference.csv'), '--current', path('current-x1.csv'), '--json']);
    const report = JSON.parse(json.stdout) as DriftJson;
    expect(report.columns.map((c) => c.method)).toEqual(['wasserstein', 'wasserstein', 'wasserstein', 'wasserstein', 'jensenshannon', 'jensenshannon', 'wasserstein']);
    expect(report.columns.map((c) => c.threshold)).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    expect(report.columns.filter((c) => c.drifted).map((c) => c.column)).toEqual(['x1']);
    const text = await drift(['--reference', path('big-reference.csv'), '--current', path('current-x1.csv')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^column\s+type\s+method\s+statistic\s+threshold\s+p-value\s+effect size\s+PSI/m);
    expect(text.stdout).toMatch(/^x1\s+numeric\s+wasserstein\s+0\.\d+\s+0\.1\s+-\s+wasserstein_std .*DRIFT$/m);
    expect(text.stdout).toContain('Dataset drift: no (1 of 7 columns with a verdict drifted, 14.3%; dataset drift at ≥ 50.0%)');
  });

  it('--fail-on-drift exits 1 when the dataset drifts and 0 when it does not', async () => {
    const drifted = await drift(['--reference', path('reference.csv'), '--current', path('current-all.csv'), '--json', '--fail-on-drift']);
    expect(drifted.code).toBe(1);
    const report = JSON.parse(drifted.stdout) as DriftJson;
    expect(report.dataset_drift).toBe(true);
    expect(report.share_drifted).toBeGreaterThanOrEqual(0.5);
    expect(report.columns.find((c) => c.column === 'plan')!.drifted).toBe(true);
    expect((await drift(['--reference', path('reference.csv'), '--current', path('current-x1.csv'), '--fail-on-drift'])).code).toBe(0);
    // Without the flag a drifting dataset is still exit 0: computed.
    expect((await drift(['--reference', path('reference.csv'), '--current', path('current-all.csv')])).code).toBe(0);
  });

  it('reads a JSON-lines current file to the same figures as the CSV of the same rows', async () => {
    const fromCsv = JSON.parse((await drift(['--reference', path('reference.csv'), '--current', path('current-x1.csv'), '--json'])).stdout) as DriftJson;
    const result = await drift(['--reference', path('reference.csv'), '--current', path('current-x1.jsonl'), '--json']);
    expect(result.code).toBe(0);
    const fromJsonl = JSON.parse(result.stdout) as DriftJson;
    expect(fromJsonl.columns.map((c) => [c.column, c.statistic, c.p_value, c.drifted])).toEqual(fromCsv.columns.map((c) => [c.column, c.statistic, c.p_value, c.drifted]));
  });

  it('gives no verdict below the minimum window', async () => {
    const result = await drift(['--reference', path('reference.csv'), '--current', path('tiny.csv'), '--json', '--fail-on-drift']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as DriftJson;
    for (const column of report.columns) {
      expect(column.drifted).toBeNull();
      expect(column.reason).toMatch(/in the window; a verdict needs at least 30/);
    }
    expect(report).toMatchObject({ drifted_columns: 0, dataset_drift: false });
    const lowered = JSON.parse((await drift(['--reference', path('reference.csv'), '--current', path('tiny.csv'), '--json', '--min-rows', '10'])).stdout) as DriftJson;
    expect(lowered.columns[0]!.drifted).toBe(true);
  });

  it('takes a stored dataset version as the reference', async () => {
    const dataDir = await makeTempDir('drift-data');
    const imported = await runCli(['data', 'import', path('reference.csv'), '--name', 'customers', '--data-dir', dataDir, '--json'], { timeoutMs: 30_000 });
    expect(imported.code).toBe(0);
    const result = await drift(['--reference', 'customers@1', '--current', path('current-x1.csv'), '--data-dir', dataDir, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as DriftJson;
    expect(report.reference).toMatchObject({ kind: 'dataset', name: 'customers', version: 1, rows: 800 });
    expect(report.reference.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.columns.filter((c) => c.drifted).map((c) => c.column)).toEqual(['x1']);
    const missing = await drift(['--reference', 'customers@7', '--current', path('current-x1.csv'), '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--reference: no file 'customers@7', and .*customers.*7/);
  });

  it('exits 2 on bad input with a message naming the file or column', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--reference', path('reference.csv'), '--current', path('missing.csv')], /missing\.csv: no such file/],
      [['--reference', path('reference.csv'), '--current', path('other-columns.csv')], /no common columns: .*reference\.csv has x1, x2.*other-columns\.csv has a, b/],
      [['--reference', path('ragged.csv'), '--current', path('reference.csv')], /ragged\.csv: line 3: ragged row/],
      [['--reference', path('reference.csv'), '--current', path('text-in-numeric.csv')], /text-in-numeric\.csv: line 42: column 'x1' is numeric in .*reference\.csv but holds 'abc'/],
      [['--reference', path('reference.csv')], /required option '--current <file>'/],
      [['--reference', path('reference.csv'), '--current', path('current-x1.csv'), '--min-rows', 'many'], /--min-rows: expected a whole number/],
    ];
    for (const [args, message] of cases) {
      const result = await drift(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const json = await drift(['--reference', path('reference.csv'), '--current', path('missing.csv'), '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMETER_VALUE' } });
  });
});
