/**
 * A validly signed bundle is still someone else's file: `mldesk bundle import` (child process)
 * must refuse a store that names a run id made to escape the artifacts folder, or points a run or
 * a model version at local files, and leave the importing store and data dir as they were.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedArchive } from '../../electron/core/bundles/archive-reader.js';
import { writeSignedArchive, type ArchiveSource } from '../../electron/core/bundles/archive-writer.js';
import { loadSigningIdentity } from '../../electron/core/bundles/signing-identity.js';
import { seedAuthor, type SeededAuthor } from '../fixtures/bundles.js';
import { cleanupTempDirs, makeTempDir, runCli } from './server-process.js';

let author = '';
let work = '';
let seeded: SeededAuthor;
let original = '';

beforeAll(async () => {
  author = await makeTempDir('hostile-author');
  work = await makeTempDir('hostile-work');
  seeded = await seedAuthor(author, { runs: 1, steps: 20 });
  original = join(work, 'original.mldesk');
  const result = await runCli(['bundle', 'export', '--experiment', seeded.experiment, '-o', original, '--data-dir', author], { timeoutMs: 60_000 });
  expect(result.code, result.stderr).toBe(0);
}, 60_000);
afterAll(() => cleanupTempDirs());

/** The original bundle with its store changed by `sql` (and artifacts renamed by `rename`), re-signed by another key. */
async function tampered(name: string, sql: string, rename: (path: string) => string = (p) => p): Promise<string> {
  const reader = await openSignedArchive(original, { kind: 'bundle' });
  const storeFile = join(work, `${name}.sqlite`);
  writeFileSync(storeFile, await reader.read('store.sqlite'));
  const db = new Database(storeFile);
  db.exec(sql);
  db.close();
  const entries: ArchiveSource[] = [];
  for (const entry of reader.manifest.entries) {
    if (entry.path === 'store.sqlite') entries.push({ path: entry.path, file: storeFile });
    else entries.push({ path: rename(entry.path), data: await reader.read(entry.path) });
  }
  reader.close();
  const out = join(work, `${name}.mldesk`);
  await writeSignedArchive(out, { kind: 'bundle', meta: reader.manifest.meta, identity: loadSigningIdentity(join(work, 'mallory'), 'mallory'), appVersion: '0.1.0', entries });
  return out;
}

describe('mldesk bundle import of a hostile but signed bundle', () => {
  it.each([
    ['escaping-run-id', "UPDATE runs SET run_uuid = '../../../../escape', artifact_uri = 'mlflow-artifacts:/1/../../../../escape/artifacts'", /names a run '\.\.\/\.\.\/\.\.\/\.\.\/escape': not a run id/],
    ['local-artifact-uri', "UPDATE runs SET artifact_uri = 'file:///etc'", /artifact URI of run [0-9a-f]{32} is 'file:\/\/\/etc': a local path, refused/],
    ['absolute-artifact-uri', "UPDATE runs SET artifact_uri = '/home'", /is '\/home': a local path, refused/],
    ['local-model-source', "UPDATE model_versions SET source = '/etc/passwd'", /source of model version churn\/1 is '\/etc\/passwd': a local path, refused/],
    ['traversing-model-source', "UPDATE model_versions SET source = 'runs:/' || run_id || '/../../../x'", /not under its run's artifacts, refused/],
  ])('refuses %s with exit 2 and changes nothing', async (name, sql, message) => {
    const bundle = await tampered(name, `PRAGMA foreign_keys = OFF; ${sql}`);
    const target = await makeTempDir(`hostile-${name}`);
    const result = await runCli(['bundle', 'import', bundle, '--data-dir', target], { timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/nothing was imported/);
    const db = new Database(join(target, 'mldesk.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM archive_imports').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    expect(readdirSync(join(target, 'artifacts'))).toEqual([]);
    expect(existsSync(join(target, 'escape'))).toBe(false);
  }, 60_000);
});
