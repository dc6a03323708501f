import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { ArchivePathSchema, MANIFEST_PATH, ManifestSchema, SIGNATURE_PATH, type ArchiveKind, type ArchiveVerification, type Manifest, type ManifestEntry, type TrustedKey } from '../../../shared/bundles.js';
import { verifySignature } from './signing-identity.js';

/** A refused archive: `path` names the entry at fault (null: the archive as a whole or its signature). */
export class ArchiveError extends Error {
  constructor(
    readonly path: string | null,
    message: string,
    /** The file is not a signed MLDesk archive at all (not a zip, no manifest): CLIs exit 2 for it. */
    readonly notAnArchive = false,
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'ArchiveError';
  }
}

export interface ArchiveLimits {
  maxEntries: number;
  /** Sum of every entry's uncompressed size. */
  maxTotalBytes: number;
  /** Uncompressed ÷ compressed size allowed for an entry over 1 MiB (zip bombs run to thousands). */
  maxRatio: number;
  maxManifestBytes: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = { maxEntries: 200_000, maxTotalBytes: 64 * 1024 ** 3, maxRatio: 200, maxManifestBytes: 256 * 1024 ** 2 };

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;

export interface ArchiveReader {
  readonly file: string;
  readonly manifest: Manifest;
  has(path: string): boolean;
  /** One entry's bytes, checked against the manifest's size and SHA-256 (ArchiveError naming it if not). */
  read(path: string): Promise<Buffer>;
  /** One entry as a stream that errors (ArchiveError) at its end when its hash does not match. */
  stream(path: string): Promise<Readable>;
  /** Writes the entries `select` keeps under `dir` (each checked, written to a temp name and renamed). */
  extract(dir: string, select?: (entry: ManifestEntry) => boolean): Promise<void>;
  close(): void;
}

function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: true }, (error, zip) => {
      if (error || !zip) reject(new ArchiveError(null, `not a zip archive (${error?.message ?? 'unreadable'})`, true));
      else resolve(zip);
    });
  });
}

function listEntries(zip: ZipFile, limits: ArchiveLimits): Promise<Map<string, Entry>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, Entry>();
    let total = 0;
    const fail = (error: Error) => {
      zip.removeAllListeners('entry');
      reject(error instanceof ArchiveError ? error : new ArchiveError(null, `the zip's directory is damaged (${error.message})`, true));
    };
    zip.on('error', fail);
    zip.on('end', () => resolve(entries));
    zip.on('entry', (entry: Entry) => {
      const name = entry.fileName;
      const checked = ArchivePathSchema.safeParse(name.endsWith('/') ? name.slice(0, -1) : name);
      if (!checked.success) return fail(new ArchiveError(name, `refused: the path ${checked.error.issues[0]?.message ?? 'is invalid'}`));
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (mode === S_IFLNK) return fail(new ArchiveError(name, 'refused: symbolic links are not allowed in an archive'));
      if (name.endsWith('/')) return fail(new ArchiveError(name, 'refused: an archive holds files only, no folder entries'));
      if (mode !== 0 && mode !== S_IFREG) return fail(new ArchiveError(name, 'refused: only regular files are allowed'));
      if (entries.has(name)) return fail(new ArchiveError(name, 'refused: the name appears twice in the zip'));
      if (entries.size >= limits.maxEntries) return fail(new ArchiveError(null, `refused: more than ${limits.maxEntries} entries`));
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) return fail(new ArchiveError(name, `refused: the entries add up to more than ${limits.maxTotalBytes} bytes uncompressed`));
      if (entry.uncompressedSize > 1024 ** 2 && entry.uncompressedSize > entry.compressedSize * limits.maxRatio) {
        return fail(new ArchiveError(name, `refused: it expands ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}× (over the ${limits.maxRatio}× allowed: a zip bomb?)`));
      }
      entries.set(name, entry);
      zip.readEntry();
    });
    zip.readEntry();
  });
}

function entryStream(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) reject(new ArchiveError(entry.fileName, `cannot be read (${error?.message ?? 'no data'})`));
      else resolve(stream);
    });
  });
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
    throw error instanceof ArchiveError ? error : new ArchiveError(path, `is damaged or truncated (${(error as Error).message})`);
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
      done(sha === expected.sha256 ? null : new ArchiveError(expected.path, `its SHA-256 is ${sha}, the manifest says ${expected.sha256}: the entry was changed`));
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
    const manifestBytes = await readAll(await entryStream(zip, manifestEntry), MANIFEST_PATH, limits.maxManifestBytes);
    const signature = (await readAll(await entryStream(zip, signatureEntry), SIGNATURE_PATH, 1024)).toString('utf8');
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
      const source = await entryStream(zip, entry);
      const check = checking(expected);
      // pipe() does not forward errors: a corrupt deflate stream would otherwise throw uncaught and the read never end.
      source.on('error', (error) => check.destroy(error instanceof ArchiveError ? error : new ArchiveError(path, `is damaged (${error.message})`)));
      return source.pipe(check);
    };
    return {
      file,
      manifest,
      has: (path) => byPath.has(path),
      stream,
      read: async (path) => readAll(await stream(path), path, Number.MAX_SAFE_INTEGER),
      async extract(dir, select = () => true) {
        const root = resolve(dir);
        for (const entry of manifest.entries) {
          if (!select(entry)) continue;
          const target = resolve(root, ...entry.path.split('/'));
          if (!target.startsWith(root + sep)) throw new ArchiveError(entry.path, 'points outside the folder it is extracted to');
          await mkdir(dirname(target), { recursive: true });
          const temp = join(dirname(target), `.extract-${process.pid}-${Math.random().toString(36).slice(2)}`);
          try {
            await pipeline(await stream(entry.path), createWriteStream(temp, { flags: 'wx' }));
            await rename(temp, target);
          } catch (error) {
            await rm(temp, { force: true });
            throw error instanceof ArchiveError ? error : new ArchiveError(entry.path, `could not be extracted (${(error as Error).message})`);
          }
        }
      },
      close: () => zip.close(),
    };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/** Checks everything: structure, signature, every entry's size and hash; and whether the signer is trusted. */
export async function verifySignedArchive(file: string, trustedKey: (fingerprint: string) => TrustedKey | null, options: { limits?: Partial<ArchiveLimits> } = {}): Promise<ArchiveVerification> {
  let reader: ArchiveReader;
  try {
    reader = await openSignedArchive(file, options);
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    return { ok: false, kind: null, signer: null, trusted: false, trustedName: null, entries: 0, bytes: 0, problem: { path: error.path, message: error.message } };
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
        return { ok: false, ...base, entries: manifest.entries.length, bytes, problem };
      }
    }
    return { ok: true, ...base, entries: manifest.entries.length, bytes, problem: null };
  } finally {
    reader.close();
  }
}
