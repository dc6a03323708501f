import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { ArchivePathSchema, hasControlCharacter } from '../../../shared/bundles.js';

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
  /** Uncompressed ÷ compressed size allowed for an entry over `ratioMinBytes` (zip bombs run to thousands). */
  maxRatio: number;
  /** Smaller entries may compress as well as they like (a run of zeros deflates ~1000×). */
  ratioMinBytes: number;
  maxManifestBytes: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = { maxEntries: 200_000, maxTotalBytes: 64 * 1024 ** 3, maxRatio: 200, ratioMinBytes: 1024 ** 2, maxManifestBytes: 256 * 1024 ** 2 };

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const UTF8_FLAG = 0x800;
const DATA_DESCRIPTOR_FLAG = 0x8;
const ZIP64_MARK = 0xffffffff;
/** Info-ZIP's second, "Unicode" name for an entry: some tools extract under it instead of the header's name. */
const UNICODE_PATH_FIELD = 0x7075;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Names are shown in messages: control characters (a terminal escape in a hostile name) are escaped. */
const printable = (name: string): string => (hasControlCharacter(name) ? JSON.stringify(name).slice(1, -1) : name);

export function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings: false: names are checked here, so a refusal names the entry (yauzl's own check
    // would only say "invalid relative path"), and yauzl does not swap in an Info-ZIP Unicode name.
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: false }, (error, zip) => {
      if (error || !zip) reject(new ArchiveError(null, `not a zip archive, or a damaged or truncated one (${error?.message ?? 'unreadable'})`, true));
      else resolve(zip);
    });
  });
}

/** The entry's name, or why it is refused: one reading only, whichever tool unpacks the zip. */
function entryName(entry: Entry): { name: string } | { error: ArchiveError } {
  const raw = entry.fileNameRaw;
  let name: string;
  try {
    name = utf8.decode(raw);
  } catch {
    return { error: new ArchiveError(printable(raw.toString('latin1')), 'refused: the name is not valid UTF-8') };
  }
  const shown = printable(name);
  if (!(entry.generalPurposeBitFlag & UTF8_FLAG) && [...name].some((c) => c.charCodeAt(0) > 0x7f)) {
    return { error: new ArchiveError(shown, "refused: a non-ASCII name without the zip's UTF-8 flag reads differently in other tools") };
  }
  if (entry.extraFields.some((field) => field.id === UNICODE_PATH_FIELD)) {
    return { error: new ArchiveError(shown, 'refused: it carries a second (Info-ZIP Unicode) name that other tools would extract under') };
  }
  const checked = ArchivePathSchema.safeParse(name.endsWith('/') ? name.slice(0, -1) : name);
  if (!checked.success) return { error: new ArchiveError(shown, `refused: the path ${checked.error.issues[0]?.message ?? 'is invalid'}`) };
  return { name };
}

/** Why the entry's central-directory record is refused, or null. */
function refusal(entry: Entry, name: string, limits: ArchiveLimits): string | null {
  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (mode === S_IFLNK) return 'refused: symbolic links are not allowed in an archive';
  if (name.endsWith('/')) return 'refused: an archive holds files only, no folder entries';
  if (mode !== 0 && mode !== S_IFREG) return 'refused: only regular files are allowed';
  if (entry.isEncrypted()) return 'refused: encrypted entries are not allowed';
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) return `refused: compression method ${entry.compressionMethod} is not supported (stored or deflated only)`;
  if (entry.uncompressedSize > limits.ratioMinBytes && entry.uncompressedSize > entry.compressedSize * limits.maxRatio) {
    return `refused: it expands ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}× (over the ${limits.maxRatio}× allowed: a zip bomb?)`;
  }
  return null;
}

/** Reads the central directory: every entry a plain file with one safe name, within the limits. */
export function listEntries(zip: ZipFile, limits: ArchiveLimits): Promise<Map<string, Entry>> {
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
      const named = entryName(entry);
      if ('error' in named) return fail(named.error);
      const { name } = named;
      const refused = refusal(entry, name, limits);
      if (refused) return fail(new ArchiveError(name, refused));
      if (entries.has(name)) return fail(new ArchiveError(name, 'refused: the name appears twice in the zip'));
      if (entries.size >= limits.maxEntries) return fail(new ArchiveError(null, `refused: more than ${limits.maxEntries} entries`));
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) return fail(new ArchiveError(name, `refused: the entries add up to more than ${limits.maxTotalBytes} bytes uncompressed`));
      entries.set(name, entry);
      zip.readEntry();
    });
    zip.readEntry();
  });
}

/**
 * The zip holds each entry twice (local header before its data, central directory at the end).
 * Tools that stream a zip read the local headers; yauzl reads the central directory. They must agree,
 * or what was verified here is not what another tool unpacks; and no two entries may share bytes
 * (overlapping entries are how a 40 KB zip expands to terabytes). Returns where each entry's data
 * starts in the file.
 */
export function checkLocalHeaders(file: string, entries: Map<string, Entry>): Map<string, number> {
  const spans: { name: string; start: number; end: number }[] = [];
  const dataStarts = new Map<string, number>();
  // One positioned read per entry on our own descriptor: async reads through yauzl cost ~5× more
  // per entry, and a bundle can hold tens of thousands of entries.
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    for (const [name, entry] of entries) {
      const head = Buffer.alloc(30 + entry.fileNameRaw.length);
      const got = readSync(fd, head, 0, head.length, entry.relativeOffsetOfLocalHeader);
      if (got < 30 || head.readUInt32LE(0) !== 0x04034b50) throw new ArchiveError(name, 'its local header is damaged or the zip is truncated (no local header where the central directory points)');
      const disagree = (what: string) => new ArchiveError(name, `its local header and the zip's central directory disagree on the ${what}`);
      const nameLength = head.readUInt16LE(26);
      const localName = head.subarray(30, 30 + Math.min(nameLength, got - 30));
      if (nameLength !== entry.fileNameRaw.length || !localName.equals(entry.fileNameRaw)) throw disagree(`name (local header: '${printable(localName.toString('utf8'))}')`);
      const flags = head.readUInt16LE(6);
      if (head.readUInt16LE(8) !== entry.compressionMethod) throw disagree('compression method');
      if (!(flags & DATA_DESCRIPTOR_FLAG)) {
        const [crc, compressed, uncompressed] = [head.readUInt32LE(14), head.readUInt32LE(18), head.readUInt32LE(22)];
        if (crc !== entry.crc32) throw disagree('CRC-32');
        if (compressed !== ZIP64_MARK && compressed !== entry.compressedSize) throw disagree(`compressed size (${compressed} vs ${entry.compressedSize})`);
        if (uncompressed !== ZIP64_MARK && uncompressed !== entry.uncompressedSize) throw disagree(`size (${uncompressed} vs ${entry.uncompressedSize})`);
      }
      const dataStart = entry.relativeOffsetOfLocalHeader + 30 + nameLength + head.readUInt16LE(28);
      if (dataStart + entry.compressedSize > size) {
        throw new ArchiveError(name, `its local header is damaged or the zip is truncated (file data overflows file bounds: ${dataStart} + ${entry.compressedSize} > ${size})`);
      }
      spans.push({ name, start: entry.relativeOffsetOfLocalHeader, end: dataStart + entry.compressedSize });
      dataStarts.set(name, dataStart);
    }
  } finally {
    closeSync(fd);
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.start < spans[i - 1]!.end) throw new ArchiveError(spans[i]!.name, `refused: its bytes overlap the entry ${spans[i - 1]!.name} (a zip bomb or a spliced file)`);
  }
  return dataStarts;
}

/** An entry's decompressed bytes; errors on the stream (bad deflate data, wrong size) come as ArchiveErrors naming it. */
export function entryStream(zip: ZipFile, name: string, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) reject(new ArchiveError(name, `cannot be read (${error?.message ?? 'no data'})`));
      else resolve(stream);
    });
  });
}

/** An entry whose bytes hash to something other than its signed manifest entry says. */
export function changedEntry(path: string, sha256: string, expected: string): ArchiveError {
  return new ArchiveError(path, `its SHA-256 is ${sha256}, the manifest says ${expected}: the entry was changed`);
}

/** Wraps a stream error that is not already an ArchiveError so that it names the entry. */
export function damaged(name: string, error: unknown): ArchiveError {
  return error instanceof ArchiveError ? error : new ArchiveError(name, `is damaged or truncated (${(error as Error).message})`);
}
