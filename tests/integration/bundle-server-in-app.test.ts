/**
 * The desktop app's File → Open (electron/main/bundle-windows.ts) without Electron: `startBundleServer`
 * called in process as the app calls it (no `open` of the CLI's), from the built dist/ the app runs.
 * It copies the store on its own worker thread first (the early copy the CLI starts itself), serves
 * the bundle read-only, refuses a changed store naming it, and leaves no private copy behind, neither
 * after closing nor after a refusal.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as BundleServerModule from '../../electron/server/bundle-server.js';
import { buildBundleFixture, withStoreByteChanged, type BuiltBundle } from '../fixtures/bundles.js';
import { cleanupTempDirs, makeTempDir, REPO_ROOT } from './server-process.js';

const built = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(REPO_ROOT, 'dist', ...path.split('/'))).href)) as T;

/** The private dirs bundles are opened in, wherever the early copy may make them. */
function privateDirs(): string[] {
  return [tmpdir(), '/dev/shm'].filter((base) => existsSync(base)).flatMap((base) => readdirSync(base).filter((name) => name.startsWith('mldesk-bundle-')).map((name) => join(base, name)));
}

/**
 * Runs `body` with TMPDIR set to a dir of its own (the early copy then makes its private dir there,
 * not on /dev/shm, where other test files open bundles at the same time) and returns what is left in it.
 */
async function leftInOwnTmp(body: () => Promise<void>): Promise<string[]> {
  const own = await makeTempDir('own-tmp');
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = own;
  try {
    await body();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  return readdirSync(own);
}

describe('a bundle opened in process, as the desktop app opens it', { timeout: 120_000 }, () => {
  let dir: string;
  let home: string;
  let bundle: BuiltBundle;
  let server: typeof BundleServerModule;

  beforeAll(async () => {
    dir = await makeTempDir('bundle-in-app');
    home = await makeTempDir('home');
    bundle = await buildBundleFixture(dir, { runs: 3, metrics: 2, steps: 50, compress: false });
    server = await built<typeof BundleServerModule>('electron/server/bundle-server.js');
  });
  afterAll(cleanupTempDirs);

  it('serves the runs read-only from a private copy made by the early store copy, removed on close', async () => {
    const before = new Set(privateDirs());
    const running = await server.startBundleServer({ file: bundle.file, homeDataDir: home, port: 0, version: 'test' });
    try {
      // The copy SQLite reads is the one the worker thread wrote, in the dir it made.
      expect(before.has(running.bundle.dataDir)).toBe(false);
      expect(privateDirs()).toContain(running.bundle.dataDir);
      // Only the early copy puts its dir on tmpfs (on Linux, TMPDIR unset, room for the bundle); opening alone copies into tmpdir().
      if (process.platform === 'linux' && !process.env.TMPDIR && existsSync('/dev/shm')) expect(running.bundle.dataDir.startsWith('/dev/shm/')).toBe(true);
      const search = await fetch(`${running.url}/api/2.0/mlflow/runs/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ experiment_ids: [bundle.experimentId], max_results: 10 }),
      });
      expect(search.status).toBe(200);
      const found = ((await search.json()) as { runs: Array<{ info: { run_id: string } }> }).runs.map((run) => run.info.run_id).sort();
      expect(found).toEqual(bundle.runs.map((run) => run.runId).sort());
      const write = await fetch(`${running.url}/api/2.0/mlflow/experiments/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x' }) });
      expect(write.status).toBe(403);
      expect(((await write.json()) as { error_code: string }).error_code).toBe('PERMISSION_DENIED');
    } finally {
      await running.close();
    }
    expect(existsSync(running.bundle.dataDir)).toBe(false);
  });

  it('refuses a store changed after signing, naming it, and leaves no private copy', async () => {
    const changed = withStoreByteChanged(bundle.file, join(dir, 'changed.mldesk'));
    const left = await leftInOwnTmp(async () => {
      await expect(server.startBundleServer({ file: changed, homeDataDir: home, port: 0, version: 'test' })).rejects.toThrow(/store\.sqlite/);
    });
    expect(left).toEqual([]);
  });

  it('leaves no private copy when the port cannot be had', async () => {
    const first = await server.startBundleServer({ file: bundle.file, homeDataDir: home, port: 0, version: 'test' });
    try {
      const port = Number(new URL(first.url).port);
      const left = await leftInOwnTmp(async () => {
        await expect(server.startBundleServer({ file: bundle.file, homeDataDir: home, port, version: 'test' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      });
      expect(left).toEqual([]);
    } finally {
      await first.close();
    }
  });
});
