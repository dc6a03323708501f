import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MANIFEST_PATH, ManifestSchema, SIGNATURE_PATH, type ArchiveKind, type ArchiveVerification, type Manifest, type ManifestEntry, type TrustedKey } from '../../../shared/bundles.js';
import { extractAllOrNothing } from './archive-extract.js';
import { verifySignature } from './signing-identity.js';
import { copyStoredEntry } from './stored-entry-copy.js';
import { ArchiveError, changedEntry, checkLocalHeaders, damaged, DEFAULT_LIMITS, entryStream, listEntries, openZip, type ArchiveLimits } from './zip-entries.js';

export { ArchiveError, DEFAULT_LIMITS, type ArchiveLimits } from './zip-entries.js';

export interface ArchiveReader {
  readonly file: string;
  readonly manifest: Manifest;
  has(path: string): boolean;
  /** One entry's bytes, checked against the manifest's size and SHA-256 (ArchiveError naming it if not). */
  read(path: string): Promise<Buffer>;
  /** One entry as a stream that errors (ArchiveError naming it) when its data is damaged or its hash does not match. */
  stream(path: string): Promise<Readable>;
  /**
   * Writes the entries `select` keeps under `dir`, all or nothing: each is checked while written to a
   * temp name, and only when every one checked out are they renamed into place.
   */
  extract(dir: string, select?: (entry: ManifestEntry) => boolean): Promise<void>;
  /**
   * Writes one entry to `target` (which must not exist), checked against the manifest; on any
   * failure no target is left. A stored entry is copied straight out of the file on a worker thread.
   */
  extractEntry(path: string, target: string): Promise<void>;
  close(): void;
}

async function readAll(stream: Readable, path: string, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > max) throw new ArchiveError(path, `is larger than the ${max} bytes allowed`);
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    stream.destroy();
    throw damaged(path, error);
  }
  return Buffer.concat(chunks);
}

/** A pass-through that checks size and SHA-256 against the manifest when the data ends. */
function checking(expected: ManifestEntry): Transform {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > expected.size) return done(new ArchiveError(expected.path, `holds more than the ${expected.size} bytes its manifest entry says`));
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      if (size !== expected.size) return done(new ArchiveError(expected.path, `holds ${size} bytes, its manifest entry says ${expected.size}`));
      const sha = hash.digest('hex');
      done(sha === expected.sha256 ? null : changedEntry(expected.path, sha, expected.sha256));
    },
  });
}

/**
 * Opens a signed archive after checking its structure: every zip entry a plain file with a safe
 * relative path, named once, within the limits; the manifest parsed; its signature valid; the zip's
 * entries exactly the manifest's, with the sizes it states. Entry hashes are checked as entries are
 * read (`verifySignedArchive` reads them all).
 */
export async function openSignedArchive(file: string, options: { limits?: Partial<ArchiveLimits>; kind?: ArchiveKind } = {}): Promise<ArchiveReader> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const zip = await openZip(file);
  try {
    const zipEntries = await listEntries(zip, limits);
    const manifestEntry = zipEntries.get(MANIFEST_PATH);
    const signatureEntry = zipEntries.get(SIGNATURE_PATH);
    if (!manifestEntry) throw new ArchiveError(null, `not an MLDesk archive: it has no ${MANIFEST_PATH}`, true);
    if (!signatureEntry) throw new ArchiveError(SIGNATURE_PATH, 'is missing: the archive is not signed');
    const dataStarts = checkLocalHeaders(file, zipEntries);
    const manifestBytes = await readAll(await entryStream(zip, MANIFEST_PATH, manifestEntry), MANIFEST_PATH, limits.maxManifestBytes);
    const signature = (await readAll(await entryStream(zip, SIGNATURE_PATH, signatureEntry), SIGNATURE_PATH, 1024)).toString('utf8');
    let parsedJson: unknown;
    try {
      parsedJson = JSON.parse(manifestBytes.toString('utf8'));
    } catch (error) {
      throw new ArchiveError(MANIFEST_PATH, `is not valid JSON (${(error as Error).message})`, true);
    }
    const parsed = ManifestSchema.safeParse(parsedJson);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ArchiveError(MANIFEST_PATH, `is not an MLDesk manifest: ${issue ? `${issue.path.join('.') || 'manifest'} ${issue.message}` : 'invalid'}`, true);
    }
    const manifest = parsed.data;
    if (!verifySignature(manifest.signer.publicKey, manifestBytes, signature)) {
      throw new ArchiveError(SIGNATURE_PATH, `does not match the manifest and the key it names (${manifest.signer.fingerprint}): the manifest or its signature was changed`);
    }
    if (options.kind && manifest.kind !== options.kind) throw new ArchiveError(null, `this is a ${manifest.kind}, not a ${options.kind}`, true);
    const byPath = new Map<string, ManifestEntry>();
    for (const entry of manifest.entries) {
      if (byPath.has(entry.path)) throw new ArchiveError(entry.path, 'is listed twice in the manifest');
      byPath.set(entry.path, entry);
      const inZip = zipEntries.get(entry.path);
      if (!inZip) throw new ArchiveError(entry.path, 'is named in the manifest but missing from the archive');
      if (inZip.uncompressedSize !== entry.size) throw new ArchiveError(entry.path, `is ${inZip.uncompressedSize} bytes in the zip, the manifest says ${entry.size}`);
    }
    for (const name of zipEntries.keys()) {
      if (name !== MANIFEST_PATH && name !== SIGNATURE_PATH && !byPath.has(name)) throw new ArchiveError(name, 'is in the archive but not in its signed manifest');
    }
    const stream = async (path: string): Promise<Readable> => {
      const expected = byPath.get(path);
      const entry = zipEntries.get(path);
      if (!expected || !entry) throw new ArchiveError(path, 'is not in this archive');
      const source = await entryStream(zip, path, entry);
      const checked = checking(expected);
      // pipe() does not forward errors: bad deflate data or a size yauzl rejects must reach the reader.
      source.on('error', (error) => checked.destroy(damaged(path, error)));
      checked.on('close', () => source.destroy());
      return source.pipe(checked);
    };
    const extractEntry = async (path: string, target: string): Promise<void> => {
      const expected = byPath.get(path);
      const entry = zipEntries.get(path);
      if (!expected || !entry) throw new ArchiveError(path, 'is not in this archive');
      if (entry.compressionMethod === 0) return copyStoredEntry(file, { offset: dataStarts.get(path)!, size: entry.compressedSize }, expected, target);
      let created = false;
      const out = createWriteStream(target, { flags: 'wx', mode: 0o600 }).once('open', () => (created = true));
      try {
        await pipeline(await stream(path), out);
      } catch (error) {
        // Never a file that was there before (an EEXIST refusal).
        if (created) await rm(target, { force: true });
        throw damaged(path, error);
      }
    };
    return {
      file,
      manifest,
      extractEntry,
      has: (path) => byPath.has(path),
      stream,
      read: async (path) => readAll(await stream(path), path, Number.MAX_SAFE_INTEGER),
      extract: (dir, select = () => true) => extractAllOrNothing(dir, manifest.entries.filter(select), stream),
      close: () => zip.close(),
    };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/** Checks everything: structure, signature, every entry's size and hash; and whether the signer is trusted. */
export async function verifySignedArchive(file: string, trustedKey: (fingerprint: string) => TrustedKey | null, options: { limits?: Partial<ArchiveLimits> } = {}): Promise<ArchiveVerification> {
  return (await verifyArchive(file, trustedKey, options)).verification;
}

/**
 * verifySignedArchive, also saying whether the file is not a signed MLDesk archive (of `kind`, when
 * given) at all, as CLIs exit 2 for that and 1 for an archive that does not check out.
 */
export async function verifyArchive(
  file: string,
  trustedKey: (fingerprint: string) => TrustedKey | null,
  options: { limits?: Partial<ArchiveLimits>; kind?: ArchiveKind } = {},
): Promise<{ verification: ArchiveVerification; notAnArchive: boolean }> {
  let reader: ArchiveReader;
  try {
    reader = await openSignedArchive(file, options);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    const verification = { ok: false, kind: null, signer: null, trusted: false, trustedName: null, entries: 0, bytes: 0, problem: { path: error.path, message: error.message } };
    return { verification, notAnArchive: error.notAnArchive };
  }
  try {
    const { manifest } = reader;
    const trusted = trustedKey(manifest.signer.fingerprint);
    const base = { kind: manifest.kind, signer: manifest.signer, trusted: trusted !== null && trusted.publicKey === manifest.signer.publicKey, trustedName: trusted?.name ?? null };
    let bytes = 0;
    for (const entry of manifest.entries) {
      try {
        const stream = await reader.stream(entry.path);
        for await (const chunk of stream) bytes += (chunk as Buffer).length;
      } catch (error) {
        const problem = error instanceof ArchiveError ? { path: error.path, message: error.message } : { path: entry.path, message: `${entry.path}: ${(error as Error).message}` };
        return { verification: { ok: false, ...base, entries: manifest.entries.length, bytes, problem }, notAnArchive: false };
      }
    }
    return { verification: { ok: true, ...base, entries: manifest.entries.length, bytes, problem: null }, notAnArchive: false };
  } finally {
    reader.close();
  }
}
