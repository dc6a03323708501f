import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { EarlyStoreCopy, EarlyStoreCopyJob } from './early-store-copy.js';
import { copySpanSync } from './span-copy.js';

const job = workerData as EarlyStoreCopyJob;

/** Where a stored entry's bytes are, as the central directory and the entry's local header give them. */
interface StoredSpan {
  offset: number;
  size: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record (22 bytes) plus the longest comment a zip may carry. */
const TAIL = 22 + 0xffff;

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

/**
 * The span of the first stored (uncompressed) central-directory entry named `name`, or null for
 * anything else: no zip, a zip64 directory, a deflated or missing entry. Read with plain fs calls
 * rather than a zip library, so the thread starts hashing ~0.1–0.3 s sooner on a loaded machine.
 * Nothing here needs to be strict: the copy is used only if the signed manifest names its size and
 * SHA-256 (bundle-open.ts), and openSignedArchive checks the archive itself.
 */
function findStoredEntry(fd: number, name: Buffer): StoredSpan | null {
  const size = fstatSync(fd).size;
  if (size < 22) return null;
  const tailStart = Math.max(0, size - TAIL);
  const tail = readAt(fd, tailStart, size - tailStart);
  let end = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  const count = tail.readUInt16LE(end + 10);
  const directorySize = tail.readUInt32LE(end + 12);
  const directoryOffset = tail.readUInt32LE(end + 16);
  // zip64 keeps the real values elsewhere: the ordinary copy handles such a bundle.
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff || directoryOffset + directorySize > size) return null;
  const directory = readAt(fd, directoryOffset, directorySize);
  for (let at = 0, seen = 0; seen < count && at + 46 <= directory.length; seen++) {
    if (directory.readUInt32LE(at) !== CENTRAL) return null;
    const method = directory.readUInt16LE(at + 10);
    const compressed = directory.readUInt32LE(at + 20);
    const uncompressed = directory.readUInt32LE(at + 24);
    const nameLength = directory.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
    if (directory.subarray(at + 46, at + 46 + nameLength).equals(name)) {
      if (method !== 0 || compressed !== uncompressed || compressed === 0xffffffff) return null;
      const localOffset = directory.readUInt32LE(at + 42);
      const head = readAt(fd, localOffset, 30);
      // The local header's name and extra field lengths need not match the central directory's.
      if (head.length < 30 || head.readUInt32LE(0) !== LOCAL) return null;
      return { offset: localOffset + 30 + head.readUInt16LE(26) + head.readUInt16LE(28), size: compressed };
    }
    at = next;
  }
  return null;
}

function copy(): EarlyStoreCopy | null {
  const fd = openSync(job.file, 'r');
  let span: StoredSpan | null;
  try {
    span = findStoredEntry(fd, Buffer.from(job.entry, 'utf8'));
  } finally {
    closeSync(fd);
  }
  if (!span) return null;
  const sha256 = copySpanSync({ file: job.file, offset: span.offset, size: span.size, target: job.target });
  return { size: span.size, sha256 };
}

try {
  parentPort!.postMessage({ ok: true, copy: copy() });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: (error as Error).message });
}
