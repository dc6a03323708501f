import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ManifestEntry } from '../../../shared/bundles.js';
import { copySpan as copySpanHere, SpanTruncatedError } from './span-copy.js';
import { ArchiveError, changedEntry } from './zip-entries.js';

/** A stored (not deflated) entry's bytes: `size` of them from `offset` in the archive file. */
export interface StoredSpan {
  offset: number;
  size: number;
}

type WorkerReply = { ok: true; sha256: string } | { ok: false; truncated: boolean; message: string };

const WORKER = new URL('./span-copy-worker.js', import.meta.url);

/** The copy's SHA-256, computed on a worker thread where the compiled worker exists, else on this one (tests running the TypeScript sources). */
function copySpan(file: string, span: StoredSpan, target: string): Promise<string> {
  const job = { file, offset: span.offset, size: span.size, target };
  if (WORKER.protocol !== 'file:' || !existsSync(fileURLToPath(WORKER))) return copySpanHere(job);
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: job });
    worker.once('message', (reply: WorkerReply) => {
      if (reply.ok) resolve(reply.sha256);
      else reject(reply.truncated ? new SpanTruncatedError(reply.message) : new Error(reply.message));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the copying thread exited with ${code}`)));
  });
}

/**
 * Copies a stored entry's bytes straight from the archive to `target`, hashing them on the way on a
 * worker thread: no inflate, one pass in 4 MB chunks, while the main thread goes on (loading the
 * server's modules). Throws ArchiveError naming the entry when its size or SHA-256 differs from the
 * signed manifest, and then leaves no target behind.
 */
export async function copyStoredEntry(file: string, span: StoredSpan, expected: ManifestEntry, target: string): Promise<void> {
  if (span.size !== expected.size) throw new ArchiveError(expected.path, `holds ${span.size} bytes, its manifest entry says ${expected.size}`);
  let sha256: string;
  try {
    sha256 = await copySpan(file, span, target);
  } catch (error) {
    if (error instanceof SpanTruncatedError) throw new ArchiveError(expected.path, `is truncated: ${error.message}`);
    throw new ArchiveError(expected.path, `could not be copied out of the archive (${(error as Error).message})`);
  }
  if (sha256 !== expected.sha256) {
    rmSync(target, { force: true });
    throw changedEntry(expected.path, sha256, expected.sha256);
  }
}
