/**
 * `mldesk bundle open` on damaged and foreign files: exit 1 naming the entry that fails its check,
 * exit 2 for what is not a bundle, a clear message for a newer store, an older store migrated on
 * the private copy; an artifact changed after signing refused on its own when artifacts are
 * checked in the background. Nothing is left in the temp dir after a refusal.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSignedArchive } from '../../electron/core/bundles/archive-writer.js';
import { loadSigningIdentity } from '../../electron/core/bundles/signing-identity.js';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from '../../electron/core/store/migrations.js';
import { buildBundleFixture, type BuiltBundle } from '../fixtures/bundles.js';
import { startBundleOpen } from './bundle-process.js';
import { cleanupTempDirs, makeTempDir, runCli, stopAllServers } from './server-process.js';

/** A copy of `file` with one byte changed at the first occurrence of `marker` (entries stored uncompressed). */
function tampered(file: string, marker: Buffer, out: string): string {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(marker);
  if (at < 0) throw new Error('marker not found in the archive');
  bytes[at + 3] = bytes[at + 3]! ^ 0xff;
  writeFileSync(out, bytes);
  return out;
}

/** Tables of `db` that a store migrated only up to `version` does not have, newest first (so one referring to another goes first). */
function tablesAddedAfter(version: number, db: Database.Database): string[] {
  const tables = (d: Database.Database) => new Set((d.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid DESC").all() as Array<{ name: string }>).map((row) => row.name));
  const older = new Database(':memory:');
  try {
    for (const migration of MIGRATIONS) if (migration.version <= version) older.exec(migration.sql);
    const before = tables(older);
    return [...tables(db)].filter((name) => !before.has(name));
  } finally {
    older.close();
  }
}

describe('mldesk bundle open refuses what does not check out', { timeout: 120_000 }, () => {
  let dir: string;
  let home: string;
  let bundle: BuiltBundle;
  let weightsEntry: string;

  beforeAll(async () => {
    dir = await makeTempDir('bundle-bad');
    home = await makeTempDir('home');
    bundle = await buildBundleFixture(dir, { runs: 2, metrics: 1, steps: 20, compress: false });
    const run = bundle.runs[0]!;
    weightsEntry = `artifacts/${bundle.experimentId}/${run.runId}/artifacts/model/weights.bin`;
  });

  afterAll(async () => {
    await stopAllServers();
    await cleanupTempDirs();
  });

  const open = async (file: string, extra: string[] = []) => {
    const tmp = await makeTempDir('tmp');
    const result = await runCli(['bundle', 'open', file, '--port', '0', '--data-dir', home, ...extra], { env: { TMPDIR: tmp }, timeoutMs: 30_000 });
    expect(readdirSync(tmp), 'the private copy is removed after a refusal').toEqual([]);
    return result;
  };

  it('exits 1 naming the artifact whose bytes changed, when artifacts are checked before serving', async () => {
    const file = tampered(bundle.file, bundle.runs[0]!.artifacts['model/weights.bin']!.subarray(0, 64), join(dir, 'artifact-changed.mldesk'));
    const result = await open(file, ['--check-artifacts', 'before-serving']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(weightsEntry);
    expect(result.stderr).toMatch(/the entry was changed/);
  });

  it('serves the rest but refuses the changed artifact, and says so, when artifacts are checked in the background', async () => {
    const file = join(dir, 'artifact-changed.mldesk');
    const tmp = await makeTempDir('tmp');
    const server = await startBundleOpen(file, ['--data-dir', home], { TMPDIR: tmp });
    try {
      const run = bundle.runs[0]!;
      const base = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${bundle.experimentId}/${run.runId}/artifacts`;
      const bad = await fetch(`${base}/model/weights.bin`);
      expect(bad.status).not.toBe(200);
      expect(await bad.text()).toContain(weightsEntry);
      const good = await fetch(`${base}/notes.txt`);
      expect(Buffer.from(await good.arrayBuffer()).equals(run.artifacts['notes.txt']!)).toBe(true);
      const info = await server.post<{ value: { bundle: { integrity: string; problem: string } } }>('/app-api/bundle.info', {});
      expect(info.body.value.bundle.integrity).toBe('failed');
      expect(info.body.value.bundle.problem).toContain(weightsEntry);
      const search = await server.post<{ runs: unknown[] }>('runs/search', { experiment_ids: [bundle.experimentId] });
      expect(search.body.runs).toHaveLength(2);
      // The CLI names it on stderr once its background check is done.
      for (const deadline = Date.now() + 20_000; !server.stderr().includes('integrity check failed') && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.stderr()).toMatch(new RegExp(`integrity check failed: .*${weightsEntry.replaceAll('.', '\\.')}.*\\(that entry is not served\\)`));
    } finally {
      await server.stop();
    }
  });

  it('exits 1 naming store.sqlite when the store changed after signing', async () => {
    const file = tampered(bundle.file, Buffer.from('SQLite format 3'), join(dir, 'store-changed.mldesk'));
    const result = await open(file);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/store\.sqlite: its SHA-256 is [0-9a-f]{64}, the manifest says/);
  });

  it('exits 2 for a file that is not a bundle, or an archive of another kind', async () => {
    const notZip = join(dir, 'notes.mldesk');
    writeFileSync(notZip, 'just some text\n');
    const plain = await open(notZip);
    expect(plain.code, plain.stderr).toBe(2);
    expect(plain.stderr).toMatch(/not a zip archive/);
    const review = join(dir, 'a.mldesk-review');
    await writeSignedArchive(review, { kind: 'review', meta: {}, identity: loadSigningIdentity(join(dir, 'reviewer')), appVersion: 'test', entries: [{ path: 'review.json', data: '{}' }] });
    const other = await open(review);
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toMatch(/this is a review, not a bundle/);
  });

  it('refuses a store written by a newer MLDesk, naming both schema versions', async () => {
    const newer = await buildBundleFixture(await makeTempDir('bundle-newer'), { runs: 1, metrics: 1, steps: 5, editStore: (db) => db.pragma(`user_version = ${SCHEMA_VERSION + 1}`) });
    const result = await open(newer.file);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`written by a newer MLDesk (store schema ${SCHEMA_VERSION + 1}; this version reads up to ${SCHEMA_VERSION})`);
  });

  it('migrates an older store on its private copy and serves it', async () => {
    const older = await buildBundleFixture(await makeTempDir('bundle-older'), {
      runs: 2,
      metrics: 1,
      steps: 5,
      // As a store before migration 16 (signed archives) looked: every table a later migration made
      // dropped, whichever migrations exist by now (17 only rebuilds an index, which re-running does again).
      editStore: (db) => {
        for (const table of tablesAddedAfter(15, db)) db.exec(`DROP TABLE "${table}"`);
        db.pragma('user_version = 15');
      },
    });
    const server = await startBundleOpen(older.file, ['--data-dir', home], { TMPDIR: await makeTempDir('tmp') });
    try {
      const search = await server.post<{ runs: unknown[] }>('runs/search', { experiment_ids: [older.experimentId] });
      expect(search.status, search.text).toBe(200);
      expect(search.body.runs).toHaveLength(2);
    } finally {
      await server.stop();
    }
  });
});
