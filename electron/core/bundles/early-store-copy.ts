import { existsSync } from 'node:fs';
import { rm, stat, statfs } from 'node:fs/promises';
import { freemem, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { dataDirLayout } from '../data-dir.js';
import { makeBundleDir, SHM } from './bundle-temp-dirs.js';

/** What the early copy wrote: `size` bytes whose SHA-256 is `sha256`, not yet checked against anything. */
export interface EarlyStoreCopy {
  size: number;
  sha256: string;
}

export interface EarlyStoreCopyJob {
  /** The archive. */
  file: string;
  /** The zip entry to copy (store.sqlite). */
  entry: string;
  /** Created by the copy (it must not exist). */
  target: string;
}

type WorkerReply = { ok: true; copy: EarlyStoreCopy | null } | { ok: false; message: string };

const WORKER = new URL('./early-store-copy-worker.js', import.meta.url);

/**
 * Starts copying a bundle's stored store.sqlite to `target` on a worker thread before anything else
 * of the bundle is read: the worker finds the entry in the zip's central directory itself, so the
 * copy and its hashing (the longest step of opening, ~0.5 s of CPU for a 400 MB store) run while this
 * thread is still loading the zip, schema and server modules. Nothing here trusts the archive: the
 * copy is only used once the signed manifest names exactly this size and SHA-256 (bundle-open.ts),
 * and SQLite never reads it before. Resolves null (and leaves no target) when the entry is missing,
 * deflated, or anything goes wrong: opening then copies it the ordinary way, which names the problem.
 *
 * Deliberately light to import (no zip or schema library): the CLI loads it first.
 */
export function startEarlyStoreCopy(job: EarlyStoreCopyJob): { copy: Promise<EarlyStoreCopy | null>; cancel(): void } {
  let worker: Worker | null = null;
  const copy = new Promise<EarlyStoreCopy | null>((resolve) => {
    let settled = false;
    const settle = (copy: EarlyStoreCopy | null) => {
      if (settled) return;
      settled = true;
      if (copy) resolve(copy);
      else void rm(job.target, { force: true }).then(() => resolve(null), () => resolve(null));
    };
    // Running the TypeScript sources (unit tests) there is no compiled worker: opening copies the store itself.
    if (WORKER.protocol !== 'file:' || !existsSync(fileURLToPath(WORKER))) return settle(null);
    try {
      worker = new Worker(WORKER, { workerData: job });
    } catch {
      return settle(null);
    }
    worker.once('message', (reply: WorkerReply) => settle(reply.ok ? reply.copy : null));
    worker.once('error', () => settle(null));
    worker.once('exit', () => settle(null));
  });
  // A refused archive need not wait for its store to be copied: the copy resolves null once the thread is gone.
  return { copy, cancel: () => void worker?.terminate() };
}

/** BUNDLE_STORE_PATH, spelled out: shared/bundles.js would load zod, which this module is light enough to avoid. */
const STORE_ENTRY = 'store.sqlite';

/** The private data dir a bundle is opened in, with its store's early copy under way (see openBundle's `earlyStoreCopy`). */
export interface EarlyOpening {
  dataDir: string;
  copy: Promise<EarlyStoreCopy | null>;
  /** Stops the copy (the archive was refused); `copy` then resolves null with the partial file removed. */
  cancel(): void;
}

/**
 * Where the private data dir is made: /dev/shm (tmpfs) on Linux when TMPDIR names no other place
 * and both it and free memory have room for the bundle twice over (writing the store's copy to
 * tmpfs costs about half the system time of a disk-backed /tmp, measured 0.25 s vs 0.5–0.8 s for a
 * 424 MB store, and nothing of it is ever written back to disk); else the OS temp dir.
 */
async function privateDirBase(file: string): Promise<string> {
  if (process.platform !== 'linux' || process.env.TMPDIR) return tmpdir();
  try {
    const [{ size }, shm] = await Promise.all([stat(file), statfs(SHM)]);
    if (shm.bavail * shm.bsize > 2 * size && freemem() > 2 * size) return SHM;
  } catch {
    // No /dev/shm, or the bundle is missing (opening then says so).
  }
  return tmpdir();
}

/** Makes the private temp data dir a bundle opens in and starts copying the bundle's store into it. */
export async function startEarlyOpening(file: string): Promise<EarlyOpening> {
  const dataDir = await makeBundleDir(await privateDirBase(file));
  return { dataDir, ...startEarlyStoreCopy({ file, entry: STORE_ENTRY, target: dataDirLayout(dataDir).database }) };
}
