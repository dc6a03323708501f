import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Content-addressed copies of imported files, laid out as DVC lays out its cache:
 * `<root>/sha256/<first 2 hex>/<other 62 hex>`. A blob is written to `<root>/tmp` first and renamed
 * into place (same file system, so readers never see half a file), and only after its bytes were
 * hashed again from disk: the blob a version names is always the bytes that were profiled.
 */

export interface StagedBlob {
  tempPath: string;
  sha256: string;
  bytes: number;
}

export interface BlobCheck {
  ok: boolean;
  path: string;
  expectedSha256: string;
  /** Undefined when the blob is missing. */
  actualSha256?: string;
  bytes?: number;
  problem?: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A pass-through stream that SHA-256-hashes and counts the bytes piped through it; `digest()`
 * gives the totals once the pipeline has finished (call it once).
 */
export function hashingTap(): { tap: Transform; digest(): { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  return { tap, digest: () => ({ sha256: hash.digest('hex'), bytes }) };
}

export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export class BlobStore {
  constructor(readonly root: string) {}

  pathOf(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`'${sha256}' is not a SHA-256 hex digest.`);
    return join(this.root, 'sha256', sha256.slice(0, 2), sha256.slice(2));
  }

  /** Copies `source` into the staging area, hashing the bytes on the way. */
  async stage(source: string): Promise<StagedBlob> {
    const tempDir = join(this.root, 'tmp');
    await mkdir(tempDir, { recursive: true });
    const tempPath = join(tempDir, `import-${randomUUID()}`);
    const { tap, digest } = hashingTap();
    try {
      await pipeline(createReadStream(source, { highWaterMark: 1 << 20 }), tap, createWriteStream(tempPath));
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
    return { tempPath, ...digest() };
  }

  async discard(staged: StagedBlob): Promise<void> {
    await rm(staged.tempPath, { force: true });
  }

  /**
   * Moves a staged copy to its content address once its bytes on disk hash to what was staged.
   * When the blob already exists and is intact the copy is dropped (deduplication); when the
   * existing blob is damaged or missing, the fresh copy replaces it (an import repairs the cache).
   */
  async commit(staged: StagedBlob): Promise<string> {
    const target = this.pathOf(staged.sha256);
    try {
      const written = await hashFile(staged.tempPath);
      if (written.sha256 !== staged.sha256) {
        throw new Error(`The staged copy changed on disk (expected sha256 ${staged.sha256}, read ${written.sha256}); nothing was stored.`);
      }
      if ((await this.verify(staged.sha256)).ok) {
        await this.discard(staged);
        return target;
      }
      await mkdir(dirname(target), { recursive: true });
      await rename(staged.tempPath, target);
      return target;
    } catch (error) {
      await this.discard(staged);
      throw error;
    }
  }

  async verify(sha256: string): Promise<BlobCheck> {
    const path = this.pathOf(sha256);
    try {
      if (!(await stat(path)).isFile()) return { ok: false, path, expectedSha256: sha256, problem: 'the blob path is not a file' };
    } catch {
      return { ok: false, path, expectedSha256: sha256, problem: 'the blob is missing' };
    }
    const actual = await hashFile(path);
    const ok = actual.sha256 === sha256;
    return {
      ok,
      path,
      expectedSha256: sha256,
      actualSha256: actual.sha256,
      bytes: actual.bytes,
      ...(ok ? {} : { problem: `the blob's bytes hash to ${actual.sha256}, not ${sha256}: it was modified after import` }),
    };
  }
}
