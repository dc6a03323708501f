/**
 * The early store copy of `mldesk bundle open` (early-store-copy.ts), run from the built dist/ as the
 * CLI runs it, on its own worker thread: it copies a stored store.sqlite byte for byte before the
 * archive is checked, reports the SHA-256 of exactly what it wrote (so a changed store can never pass
 * as the signed one), gives up on a deflated store or a file that is no zip, leaving no file then.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { openSignedArchive } from '../../electron/core/bundles/archive-reader.js';
import type * as EarlyStoreCopyModule from '../../electron/core/bundles/early-store-copy.js';
import { buildBundleFixture, withStoreByteChanged, type BuiltBundle } from '../fixtures/bundles.js';
import { cleanupTempDirs, makeTempDir, REPO_ROOT } from './server-process.js';

type EarlyModule = typeof EarlyStoreCopyModule;

const loadBuilt = async (): Promise<EarlyModule> => (await import(pathToFileURL(join(REPO_ROOT, 'dist', 'electron', 'core', 'bundles', 'early-store-copy.js')).href)) as EarlyModule;

async function storeEntry(file: string) {
  const reader = await openSignedArchive(file, { kind: 'bundle' });
  try {
    return reader.manifest.entries.find((entry) => entry.path === 'store.sqlite')!;
  } finally {
    reader.close();
  }
}

describe('early store copy (bundle open)', { timeout: 120_000 }, () => {
  let dir: string;
  let stored: BuiltBundle;
  let early: EarlyModule;

  beforeAll(async () => {
    dir = await makeTempDir('bundle-early');
    stored = await buildBundleFixture(join(dir, 'stored'), { runs: 2, metrics: 1, steps: 20, compress: false });
    early = await loadBuilt();
  });
  // The private dirs may be made under /dev/shm rather than the test's temp dir.
  const opened: string[] = [];
  const start = async (file: string) => {
    const opening = await early.startEarlyOpening(file);
    opened.push(opening.dataDir);
    return opening;
  };
  afterAll(async () => {
    for (const dataDir of opened) rmSync(dataDir, { recursive: true, force: true });
    await cleanupTempDirs();
  });

  it('copies a stored store.sqlite byte for byte and reports the size and SHA-256 the manifest signs', async () => {
    const opening = await start(stored.file);
    const copy = await opening.copy;
    const expected = await storeEntry(stored.file);
    expect(copy).toEqual({ size: expected.size, sha256: expected.sha256 });
    const written = readFileSync(join(opening.dataDir, 'mldesk.db'));
    expect(createHash('sha256').update(written).digest('hex')).toBe(expected.sha256);
  });

  it('reports the hash of the bytes it wrote when the store was changed after signing', async () => {
    const expected = await storeEntry(stored.file);
    const changed = withStoreByteChanged(stored.file, join(dir, 'changed.mldesk'));
    const opening = await start(changed);
    const copy = await opening.copy;
    expect(copy?.size).toBe(expected.size);
    expect(copy?.sha256).not.toBe(expected.sha256);
    expect(createHash('sha256').update(readFileSync(join(opening.dataDir, 'mldesk.db'))).digest('hex')).toBe(copy?.sha256);
  });

  it('gives up on a deflated store, and on a file that is no zip, leaving no store file', async () => {
    const deflated = await buildBundleFixture(join(dir, 'deflated'), { runs: 1, metrics: 1, steps: 20, compress: true });
    const notZip = join(dir, 'not-a-zip.mldesk');
    writeFileSync(notZip, 'SQLite format 3\0 but no zip at all');
    for (const file of [deflated.file, notZip, join(dir, 'missing.mldesk')]) {
      const opening = await start(file);
      expect(await opening.copy).toBeNull();
      // Only the mark saying which process the dir is for (bundle-temp-dirs.ts).
      expect(readdirSync(opening.dataDir)).toEqual(['.mldesk-owner']);
    }
  });

  it('finds the store anywhere in the central directory, past other entries and a zip comment, and reads nothing but it', async () => {
    const store = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(70_000, 7)]);
    const zip = new yazl.ZipFile();
    zip.addBuffer(Buffer.from('x'.repeat(5000)), 'report.html', { compress: true });
    zip.addBuffer(Buffer.from('decoy'), 'store.sqlite.bak', { compress: false });
    zip.addBuffer(store, 'store.sqlite', { compress: false });
    const file = join(dir, 'reordered.mldesk');
    zip.end({ forceZip64Format: false, comment: 'a comment after the end record' });
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    writeFileSync(file, Buffer.concat(chunks));
    const opening = await start(file);
    const copy = await opening.copy;
    const sha256 = createHash('sha256').update(store).digest('hex');
    expect(copy).toEqual({ size: store.length, sha256 });
    expect(readFileSync(join(opening.dataDir, 'mldesk.db')).equals(store)).toBe(true);
  });

  it('makes the private dir under an explicit TMPDIR, else under /dev/shm on Linux when it has room', async () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = await makeTempDir('explicit-tmp');
    try {
      const opening = await start(stored.file);
      await opening.copy;
      expect(resolve(opening.dataDir, '..')).toBe(resolve(process.env.TMPDIR));
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    if (process.platform === 'linux' && saved === undefined) {
      const opening = await start(stored.file);
      await opening.copy;
      expect(resolve(opening.dataDir, '..')).toBe('/dev/shm');
    }
  });
});
