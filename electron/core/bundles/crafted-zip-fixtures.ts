import { createHash } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';
import { MANIFEST_PATH, SIGNATURE_PATH, type ArchiveKind, type Manifest, type ManifestEntry } from '../../../shared/bundles.js';
import { SCHEMA_VERSION } from '../store/migrations.js';
import { canonicalJson } from './canonical-json.js';
import type { SigningIdentity } from './signing-identity.js';

/**
 * A zip writer for tests only, byte by byte, so that tests can craft what yazl refuses to write:
 * hostile names, symlink modes, duplicate names, sizes that lie, headers that disagree.
 */

/** The fields of one record; the local header and central directory may be given different values. */
export interface ZipFields {
  name: Buffer;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  extra: Buffer;
}

export interface RawEntry {
  name: string | Buffer;
  /** The entry's content. */
  data: Buffer;
  /** 0 stored, 8 deflated (default stored). */
  method?: 0 | 8;
  /** Unix mode in the central directory's external attributes (default a regular file, 0o100644). */
  mode?: number;
  extra?: Buffer;
  /** Overrides for what the central directory says (default: the truth). */
  central?: Partial<ZipFields>;
  /** Overrides for what the local header says (default: the truth). */
  local?: Partial<ZipFields>;
}

const UTF8_FLAG = 0x800;

export function localHeader(fields: ZipFields): Buffer {
  const head = Buffer.alloc(30);
  head.writeUInt32LE(0x04034b50, 0);
  head.writeUInt16LE(20, 4);
  head.writeUInt16LE(fields.flags, 6);
  head.writeUInt16LE(fields.method, 8);
  head.writeUInt16LE(0, 10);
  head.writeUInt16LE(0x21, 12);
  head.writeUInt32LE(fields.crc32 >>> 0, 14);
  head.writeUInt32LE(fields.compressedSize, 18);
  head.writeUInt32LE(fields.uncompressedSize, 22);
  head.writeUInt16LE(fields.name.length, 26);
  head.writeUInt16LE(fields.extra.length, 28);
  return Buffer.concat([head, fields.name, fields.extra]);
}

export function centralRecord(fields: ZipFields, offset: number, mode: number): Buffer {
  const head = Buffer.alloc(46);
  head.writeUInt32LE(0x02014b50, 0);
  head.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode bits count
  head.writeUInt16LE(20, 6);
  head.writeUInt16LE(fields.flags, 8);
  head.writeUInt16LE(fields.method, 10);
  head.writeUInt16LE(0, 12);
  head.writeUInt16LE(0x21, 14);
  head.writeUInt32LE(fields.crc32 >>> 0, 16);
  head.writeUInt32LE(fields.compressedSize, 20);
  head.writeUInt32LE(fields.uncompressedSize, 24);
  head.writeUInt16LE(fields.name.length, 28);
  head.writeUInt16LE(fields.extra.length, 30);
  head.writeUInt16LE(0, 32);
  head.writeUInt16LE(0, 34);
  head.writeUInt16LE(0, 36);
  head.writeUInt32LE((mode << 16) >>> 0, 38);
  head.writeUInt32LE(offset, 42);
  return Buffer.concat([head, fields.name, fields.extra]);
}

export function endOfCentralDirectory(count: number, size: number, offset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return end;
}

/** The true fields of an entry and the bytes stored for it. */
export function entryFields(entry: RawEntry): { fields: ZipFields; stored: Buffer } {
  const method = entry.method ?? 0;
  const stored = method === 8 ? deflateRawSync(entry.data) : entry.data;
  const name = typeof entry.name === 'string' ? Buffer.from(entry.name, 'utf8') : entry.name;
  return { fields: { name, method, flags: UTF8_FLAG, crc32: crc32(entry.data), compressedSize: stored.length, uncompressedSize: entry.data.length, extra: entry.extra ?? Buffer.alloc(0) }, stored };
}

/** A whole zip: local headers and data in order, then the central directory. */
export function rawZip(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const { fields, stored } = entryFields(entry);
    const local = localHeader({ ...fields, ...entry.local });
    central.push(centralRecord({ ...fields, ...entry.central }, offset, entry.mode ?? 0o100644));
    parts.push(local, stored);
    offset += local.length + stored.length;
  }
  const directory = Buffer.concat(central);
  return Buffer.concat([...parts, directory, endOfCentralDirectory(entries.length, directory.length, offset)]);
}

export interface SignedEntriesOptions {
  kind?: ArchiveKind;
  /** Changes the manifest before it is signed (a manifest entry added, removed, doubled). */
  editManifest?: (manifest: Manifest) => void;
  /** Replaces manifest.json's bytes after signing (not JSON, another schema). */
  manifestBytes?: (signed: Buffer) => Buffer;
  /** The signature's text (default: `identity`'s signature of the manifest). */
  signature?: (manifestBytes: Buffer) => string;
}

/** `files` plus a manifest listing them and its signature, as the real writer lays them out. */
export function signedEntries(identity: SigningIdentity, files: RawEntry[], options: SignedEntriesOptions = {}): RawEntry[] {
  const listed: ManifestEntry[] = files.map((file) => ({
    path: typeof file.name === 'string' ? file.name : file.name.toString('utf8'),
    size: file.data.length,
    sha256: createHash('sha256').update(file.data).digest('hex'),
  }));
  const manifest: Manifest = {
    format: 'mldesk-archive',
    formatVersion: 1,
    kind: options.kind ?? 'bundle',
    createdTime: 1_700_000_000_000,
    appVersion: 'test',
    schemaVersion: SCHEMA_VERSION,
    signer: identity.signer,
    entries: listed,
    meta: {},
  };
  options.editManifest?.(manifest);
  const signedBytes = Buffer.from(canonicalJson(manifest));
  const signature = options.signature ? options.signature(signedBytes) : identity.sign(signedBytes);
  const manifestBytes = options.manifestBytes ? options.manifestBytes(signedBytes) : signedBytes;
  return [...files, { name: MANIFEST_PATH, data: manifestBytes, method: 8 }, { name: SIGNATURE_PATH, data: Buffer.from(`${signature}\n`) }];
}
