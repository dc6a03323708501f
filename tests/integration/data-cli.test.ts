/**
 * `mldesk data ...` as a user runs it: the compiled CLI in a child process against a temp data
 * directory (npm run build first).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetVersionSchema, ValidationReportSchema } from '../../shared/datasets.js';
import { cleanupTempDirs, makeTempDir, REPO_ROOT, runCli } from './server-process.js';

const IRIS = join(REPO_ROOT, 'resources', 'datasets', 'iris.csv');
const CHURN = join(REPO_ROOT, 'resources', 'datasets', 'synthetic-churn.csv');
const CHURN_DRIFTED = join(REPO_ROOT, 'resources', 'datasets', 'synthetic-churn-drifted.csv');

afterAll(async () => {
  await cleanupTempDirs();
});

async function data(args: string[], env: Record<string, string | undefined> = {}) {
  return runCli(['data', ...args], { env, timeoutMs: 30_000 });
}

function json<T>(stdout: string): T {
  return JSON.parse(stdout) as T;
}

describe('mldesk data import / show / list', () => {
  it('imports a file once, recognises the same bytes under another name, and versions changed content', async () => {
    const dataDir = await makeTempDir('data-import');
    const first = await data(['import', IRIS, '--data-dir', dataDir, '--json']);
    expect(first.code).toBe(0);
    const imported = json<{ created: boolean; version: unknown }>(first.stdout);
    expect(imported.created).toBe(true);
    const version = DatasetVersionSchema.parse(imported.version);
    expect(version).toMatchObject({ ref: 'iris@1', rows: 150, format: 'csv', originalFileName: 'iris.csv' });

    const work = await makeTempDir('data-files');
    const copy = join(work, 'flowers copy.csv');
    writeFileSync(copy, readFileSync(IRIS));
    const again = await data(['import', copy, '--data-dir', dataDir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Unchanged: these bytes are already iris@1 \(150 rows, 5 columns/);

    const changed = join(work, 'iris.csv');
    writeFileSync(changed, `${readFileSync(IRIS, 'utf8')}5.0,3.3,1.4,0.2,setosa\n`);
    const second = await data(['import', changed, '--data-dir', dataDir]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^Imported iris\.csv as iris@2 \(151 rows, 5 columns/);

    const show = await data(['show', 'iris@1', '--data-dir', dataDir]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`sha256    ${version.sha256}`);
    expect(show.stdout).toMatch(/species\s+categorical\s+0\s+3 distinct: setosa 50, versicolor 50, virginica 50/);
    expect(show.stdout).toContain('versions  @1 @2 (latest @2)');
    const latest = DatasetVersionSchema.parse(json((await data(['show', 'iris', '--data-dir', dataDir, '--json'])).stdout));
    expect(latest.version).toBe(2);

    const list = await data(['list', '--json'], { MLDESK_HOME: dataDir });
    expect(list.code).toBe(0);
    expect(json<{ datasets: Array<{ name: string; latestVersion: number; versionCount: number }> }>(list.stdout).datasets).toEqual([
      expect.objectContaining({ name: 'iris', latestVersion: 2, versionCount: 2 }),
    ]);
  });

  it('refuses bad input with file, line and problem, exit 1, storing nothing', async () => {
    const dataDir = await makeTempDir('data-bad');
    const work = await makeTempDir('data-bad-files');
    const ragged = join(work, 'ragged.csv');
    writeFileSync(ragged, 'a,b,c\n1,2,3\n4,5\n');
    const result = await data(['import', ragged, '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`mldesk data import: ${ragged}: line 3: ragged row: it has 2 fields but the header has 3.\n`);
    const badJson = join(work, 'events.jsonl');
    writeFileSync(badJson, '{"a":1}\n{"a":2\n');
    const jsonResult = await data(['import', badJson, '--data-dir', dataDir, '--json']);
    expect(jsonResult.code).toBe(1);
    expect(json<{ ok: boolean; error: { message: string } }>(jsonResult.stdout)).toMatchObject({ ok: false, error: { message: expect.stringContaining('line 2: invalid JSON') } });
    const list = await data(['list', '--data-dir', dataDir]);
    expect(list.stdout).toMatch(/^No datasets yet/);
  });
});

describe('mldesk data validate', () => {
  it('exits 0 for a passing file, 1 with a report for drifted data, 2 for usage errors', async () => {
    const dataDir = await makeTempDir('data-validate');
    expect((await data(['import', CHURN, '--name', 'churn', '--data-dir', dataDir])).code).toBe(0);

    const pass = await data(['validate', CHURN, '--against', 'churn@1', '--data-dir', dataDir]);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/against churn@1: PASSED, no problems in 9 columns\./);

    const drifted = await data(['validate', CHURN_DRIFTED, '--against', 'churn', '--data-dir', dataDir, '--json']);
    expect(drifted.code).toBe(1);
    const report = ValidationReportSchema.parse(json(drifted.stdout));
    expect(report.passed).toBe(false);
    expect(report.problems.map((p) => `${p.column}:${p.kind}`)).toEqual(
      expect.arrayContaining(['monthly_charges:out_of_range', 'age:null_rate', 'region:unseen_category']),
    );
    const text = await data(['validate', CHURN_DRIFTED, '--against', 'churn', '--data-dir', dataDir]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/region\s+unseen_category\s+\d+ rows with categories churn@1 never had: "central"\./);

    const noAgainst = await data(['validate', CHURN, '--data-dir', dataDir]);
    expect(noAgainst.code).toBe(2);
    expect(noAgainst.stderr).toContain("required option '--against <dataset>' not specified");
    const unknown = await data(['validate', CHURN, '--against', 'nope', '--data-dir', dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("No dataset named 'nope'");
    const badRef = await data(['validate', CHURN, '--against', 'churn@0', '--data-dir', dataDir]);
    expect(badRef.code).toBe(2);
    const missing = await data(['validate', join(dataDir, 'missing.csv'), '--against', 'churn', '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing\.csv: no such file/);
    expect((await data(['frobnicate'])).code).toBe(2);
  });
});

describe('mldesk data verify and generate', () => {
  it('verify exits 1 once a blob was tampered with', async () => {
    const dataDir = await makeTempDir('data-verify');
    const version = DatasetVersionSchema.parse(json<{ version: unknown }>((await data(['import', IRIS, '--data-dir', dataDir, '--json'])).stdout).version);
    expect((await data(['verify', 'iris@1', '--data-dir', dataDir])).code).toBe(0);
    const blob = join(dataDir, 'blobs', 'sha256', version.sha256.slice(0, 2), version.sha256.slice(2));
    writeFileSync(blob, readFileSync(blob, 'utf8').replace('setosa', 'setosb'));
    const damaged = await data(['verify', 'iris@1', '--data-dir', dataDir]);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(/^iris@1: DAMAGED, the blob's bytes hash to [0-9a-f]{64}, not/);
  });

  it('generate writes the same bytes for the same seed, and refuses bad flags with exit 2', async () => {
    const dir = await makeTempDir('data-generate');
    const args = (out: string, seed: string) => ['generate', '--rows', '200', '--seed', seed, '--drift', '0.4', '--task', 'regression', '--out', out];
    for (const [file, seed] of [['a.csv', '9'], ['b.csv', '9'], ['c.csv', '10']] as const) {
      const result = await data(args(join(dir, file), seed));
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Wrote 200 rows (regression, target lifetime_value, seed');
    }
    const a = readFileSync(join(dir, 'a.csv'), 'utf8');
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe(a);
    expect(readFileSync(join(dir, 'c.csv'), 'utf8')).not.toBe(a);
    expect(a.split('\n')[0]).toBe('tenure_months,monthly_charges,support_calls,plan,paperless_billing,age,region,data_usage_gb,lifetime_value');
    expect(a.trimEnd().split('\n')).toHaveLength(201);

    const badDrift = await data(['generate', '--drift', '1.5', '--out', join(dir, 'x.csv')]);
    expect(badDrift.code).toBe(2);
    expect(badDrift.stderr).toContain('--drift');
    expect((await data(['generate', '--task', 'ranking', '--out', join(dir, 'x.csv')])).code).toBe(2);
    expect((await data(['generate', '--rows', '10'])).code).toBe(2);
  });
});
