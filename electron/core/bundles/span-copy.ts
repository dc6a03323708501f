import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Byte-range copying with nothing but Node built-ins: the worker that runs it (span-copy-worker.ts)
 * starts in milliseconds because it loads no zip or schema library.
 */

export interface SpanCopyJob {
  file: string;
  offset: number;
  size: number;
  /** Created here (it must not exist); removed again if the copy fails. */
  target: string;
}

/**
 * Large chunks (a 400 MB store in ~100 reads, not the 25,000 of a 16 KB stream), read and written on
 * libuv's threads while this thread hashes: reading, hashing and writing overlap.
 */
const CHUNK = 4 * 1024 * 1024;

export class SpanTruncatedError extends Error {}

/** Copies `size` bytes at `offset` of `file` to `target` in one pass and returns their SHA-256. */
export async function copySpan({ file, offset, size, target }: SpanCopyJob): Promise<string> {
  if (offset + size > (await stat(file)).size) throw new SpanTruncatedError('the archive ends before its data does');
  const hash = createHash('sha256');
  let copied = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      copied += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  let created = false;
  const out = createWriteStream(target, { flags: 'wx', mode: 0o600, highWaterMark: CHUNK }).once('open', () => (created = true));
  try {
    const source = size === 0 ? [] : createReadStream(file, { start: offset, end: offset + size - 1, highWaterMark: CHUNK });
    await pipeline(source, hashing, out);
    // The file shrank between the check and the read.
    if (copied !== size) throw new SpanTruncatedError('the archive ends before its data does');
  } catch (error) {
    // Never a file that was there before (an EEXIST refusal).
    if (created) await rm(target, { force: true });
    throw error;
  }
  return hash.digest('hex');
}
