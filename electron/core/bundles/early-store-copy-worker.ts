import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { EarlyStoreCopy, EarlyStoreCopyJob } from './early-store-copy.js';
import { copySpanSync } from './span-copy.js';

const job = workerData as EarlyStoreCopyJob;

function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false }, (error, zip) => (error || !zip ? reject(error ?? new Error('unreadable')) : resolve(zip)));
  });
}

/** The first central-directory entry named `name`, or null. */
function findEntry(zip: ZipFile, name: Buffer): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: Entry) => (entry.fileNameRaw.equals(name) ? resolve(entry) : zip.readEntry()));
    zip.once('end', () => resolve(null));
    zip.once('error', reject);
    zip.readEntry();
  });
}

/** Where a stored entry's bytes start: after its local header, whose name and extra field lengths the central directory does not give. */
function dataStart(file: string, entry: Entry): number | null {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(30);
    if (readSync(fd, head, 0, 30, entry.relativeOffsetOfLocalHeader) < 30 || head.readUInt32LE(0) !== 0x04034b50) return null;
    return entry.relativeOffsetOfLocalHeader + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
  } finally {
    closeSync(fd);
  }
}

async function copy(): Promise<EarlyStoreCopy | null> {
  const zip = await openZip(job.file);
  try {
    const entry = await findEntry(zip, Buffer.from(job.entry, 'utf8'));
    if (!entry || entry.compressionMethod !== 0 || entry.compressedSize !== entry.uncompressedSize) return null;
    const offset = dataStart(job.file, entry);
    if (offset === null) return null;
    const sha256 = copySpanSync({ file: job.file, offset, size: entry.compressedSize, target: job.target });
    return { size: entry.compressedSize, sha256 };
  } finally {
    zip.close();
  }
}

copy().then(
  (result) => parentPort!.postMessage({ ok: true, copy: result }),
  (error: unknown) => parentPort!.postMessage({ ok: false, message: (error as Error).message }),
);
