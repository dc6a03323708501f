/**
 * A folder of artifacts as one streamed zip: files are read one at a time as the archive is sent,
 * so a folder of gigabytes costs no more memory than a small one (yazl writes ZIP64 past 4 GB).
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';

/** Half-written uploads (artifact-files.ts renames them into place) are not artifacts yet. */
const UPLOAD_PREFIX = '.mldesk-upload-';

export interface FolderEntry {
  /** Path inside the folder, `/`-separated: the name the entry gets in the zip. */
  path: string;
  file: string;
  isDir: boolean;
}

/**
 * Every file and empty folder under `dir`, depth first in name order. Symbolic links are left
 * out: one pointing outside the run's folder would otherwise let a download read any file.
 */
export async function folderEntries(dir: string, prefix = ''): Promise<FolderEntry[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: FolderEntry[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith(UPLOAD_PREFIX) || entry.isSymbolicLink()) continue;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    const file = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = await folderEntries(file, path);
      out.push(...(inner.length > 0 ? inner : [{ path, file, isDir: true }]));
    } else if (entry.isFile()) {
      out.push({ path, file, isDir: false });
    }
  }
  return out;
}

/** Whether `target` is a folder (false for a file or nothing there). */
export async function isFolder(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isDirectory();
  } catch {
    return false;
  }
}

/** Streams `dir` as a zip whose entries are named by their paths relative to `dir`. */
export async function zipFolder(dir: string): Promise<Readable> {
  const entries = await folderEntries(dir);
  const zip = new ZipFile();
  const output = zip.outputStream as Readable;
  // A file deleted while the zip is sent ends the download with an error rather than a silent gap.
  zip.on('error', (error: Error) => output.destroy(error));
  for (const entry of entries) {
    if (entry.isDir) zip.addEmptyDirectory(entry.path);
    // yazl opens each file only when its turn comes, so open handles stay at one.
    else zip.addFile(entry.file, entry.path);
  }
  zip.end();
  return output;
}

/** `Content-Disposition` for a download: an ASCII fallback name plus the exact UTF-8 one (RFC 6266). */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
