/**
 * Two `mldesk bundle import` of one bundle into one data dir at the same moment (two real child
 * processes): exactly one imports it, the other says it was imported already, and the store holds
 * the runs once.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { buildBundleFixture } from '../fixtures/bundles.js';
import { cleanupTempDirs, makeTempDir, runCli, stopAllServers } from './server-process.js';

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

describe('concurrent mldesk bundle import', { timeout: 240_000 }, () => {
  it('reports the bundle imported by exactly one of two imports started together', async () => {
    const work = await makeTempDir('bundle-race');
    // Big enough that staging (checking and unpacking every entry) takes both past the early "imported before?" check.
    const bundle = await buildBundleFixture(work, { runs: 4, metrics: 2, steps: 2000, artifactBytes: 4 * 1024 * 1024 });
    for (let round = 0; round < 2; round++) {
      const dataDir = await makeTempDir(`race-target-${round}`);
      TrackingStore.open(dataDir).close();
      const both = await Promise.all([0, 1].map(() => runCli(['bundle', 'import', bundle.file, '--data-dir', dataDir, '--json'], { timeoutMs: 120_000 })));
      for (const result of both) expect(result.code, result.stderr).toBe(0);
      const reports = both.map((result) => JSON.parse(result.stdout) as { alreadyImported: boolean; runs: Array<{ imported: boolean }> });
      expect(reports.map((report) => report.alreadyImported).sort()).toEqual([false, true]);
      const first = reports.find((report) => !report.alreadyImported)!;
      expect(first.runs.filter((run) => run.imported)).toHaveLength(bundle.runs.length);
      const db = new Database(join(dataDir, 'mldesk.db'), { readonly: true });
      try {
        expect(db.prepare('SELECT count(*) FROM runs').pluck().get()).toBe(bundle.runs.length);
        expect(db.prepare('SELECT count(*) FROM archive_imports').pluck().get()).toBe(1);
      } finally {
        db.close();
      }
    }
  });
});
