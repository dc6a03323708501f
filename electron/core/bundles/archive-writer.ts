import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { ArchivePathSchema, MANIFEST_PATH, SIGNATURE_PATH, type ArchiveKind, type Manifest, type ManifestEntry } from '../../../shared/bundles.js';
import { SCHEMA_VERSION } from '../store/migrations.js';
import { canonicalJson } from './canonical-json.js';
import type { SigningIdentity } from './signing-identity.js';

/** One entry to write: a file on disk (streamed) or bytes in memory; `compress` overrides the archive's setting for it. */
export type ArchiveSource = ({ path: string; file: string } | { path: string; data: Buffer | string }) & { compress?: boolean };

export interface WriteArchiveOptions {
  kind: ArchiveKind;
  meta: Record<string, unknown>;
  identity: SigningIdentity;
  appVersion: string;
  /** Written in this order; paths must be unique and pass ArchivePathSchema. */
  entries: Iterable<ArchiveSource> | AsyncIterable<ArchiveSource>;
  /** Deflate entries (default true); already-compressed payloads may turn it off. */
  compress?: boolean;
  /** After each entry: how many written, and their bytes. */
  onProgress?: (written: { entries: number; bytes: number; path: string }) => void;
}

/**
 * Writes a signed archive in one pass over its sources: each entry is hashed while yazl streams it
 * into the zip, and the manifest (every entry's path, size, SHA-256) and its signature go in last.
 * The zip is written beside `out` and renamed into place, so a failure leaves nothing half-written.
 */
export async function writeSignedArchive(out: string, options: WriteArchiveOptions): Promise<{ manifest: Manifest; bytes: number }> {
  // Unique per call: two exports to one name in one process must not share a partial file.
  const partial = `${out}.partial-${process.pid}-${randomUUID()}`;
  const zip = new ZipFile();
  const written = pipeline(zip.outputStream, createWriteStream(partial));
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  let totalBytes = 0;
  try {
    for await (const source of options.entries) {
      const checked = ArchivePathSchema.safeParse(source.path);
      if (!checked.success) throw new Error(`archive entry '${source.path}': ${checked.error.issues[0]?.message ?? 'invalid path'}`);
      if (source.path === MANIFEST_PATH || source.path === SIGNATURE_PATH) throw new Error(`archive entry '${source.path}' is reserved`);
      if (seen.has(source.path)) throw new Error(`archive entry '${source.path}' is listed twice`);
      seen.add(source.path);
      let entry: ManifestEntry;
      const compress = source.compress ?? options.compress ?? true;
      if ('data' in source) {
        const data = typeof source.data === 'string' ? Buffer.from(source.data) : source.data;
        entry = { path: source.path, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
        zip.addBuffer(data, source.path, { compress });
      } else {
        entry = await addHashedStream(zip, source.path, createReadStream(source.file), compress);
      }
      entries.push(entry);
      totalBytes += entry.size;
      options.onProgress?.({ entries: entries.length, bytes: totalBytes, path: source.path });
    }
    const manifest: Manifest = {
      format: 'mldesk-archive',
      formatVersion: 1,
      kind: options.kind,
      createdTime: Date.now(),
      appVersion: options.appVersion,
      schemaVersion: SCHEMA_VERSION,
      signer: options.identity.signer,
      entries,
      meta: options.meta,
    };
    const manifestBytes = Buffer.from(canonicalJson(manifest));
    zip.addBuffer(manifestBytes, MANIFEST_PATH);
    zip.addBuffer(Buffer.from(`${options.identity.sign(manifestBytes)}\n`), SIGNATURE_PATH, { compress: false });
    zip.end();
    await written;
    await rename(partial, out);
    return { manifest, bytes: totalBytes };
  } catch (error) {
    (zip.outputStream as unknown as Readable).destroy();
    await written.catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

/** Adds a stream to the zip and resolves with its size and hash once yazl has read it all. */
function addHashedStream(zip: ZipFile, path: string, stream: Readable, compress: boolean): Promise<ManifestEntry> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    stream.on('error', reject);
    tap.on('error', reject);
    tap.on('end', () => resolve({ path, size, sha256: hash.digest('hex') }));
    zip.addReadStream(stream.pipe(tap), path, { compress });
  });
}
