import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open as openFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { FileInfo } from '../../../shared/tracking-types.js';
import { invalidParameter, notFound } from '../errors.js';

export const PROXY_SCHEME = 'mlflow-artifacts:';

/** A file where a folder should be, or the other way round: the request's path is wrong, not the server. */
function isPathConflict(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR';
}

/**
 * Artifact files live on disk under <data-dir>/artifacts, never in the database. URIs of the form
 * `mlflow-artifacts:/<path>` (what MLflow clients upload through the server) and local paths
 * (`file://` or absolute) are served; anything else belongs to a store this server does not own.
 */
export class ArtifactFiles {
  constructor(readonly root: string) {}

  /** Maps a proxied artifact path (relative to the artifact root) to a file, refusing traversal. */
  resolveProxyPath(relativePath: string, field = 'path'): string {
    if (relativePath.includes('\0')) throw invalidParameter(`Invalid value for parameter '${field}': artifact paths cannot contain a NUL character.`);
    const cleaned = relativePath.replace(/^\/+/, '');
    if (cleaned.split(/[\\/]/).some((part) => part === '..')) {
      throw invalidParameter(`Invalid value '${relativePath}' for parameter '${field}': '..' is not allowed in artifact paths.`);
    }
    const full = resolve(this.root, cleaned);
    if (full !== resolve(this.root) && !full.startsWith(resolve(this.root) + sep)) {
      throw invalidParameter(`Invalid value '${relativePath}' for parameter '${field}': it points outside the artifact root.`);
    }
    return full;
  }

  /** The local directory behind an artifact URI, or null when the URI names a remote store. */
  localDirOf(uri: string): string | null {
    if (uri.startsWith(PROXY_SCHEME)) return this.resolveProxyPath(uri.slice(PROXY_SCHEME.length), 'artifact_uri');
    if (uri.startsWith('file://')) {
      // A query or fragment would cut the run's `/<run>/artifacts` suffix off the path URL
      // parsing yields (`file:///etc?/<run>/artifacts` is /etc): refuse instead of listing it.
      if (uri.includes('?') || uri.includes('#')) {
        throw invalidParameter(`Invalid artifact URI '${uri}': a file: URI cannot carry a query or fragment.`);
      }
      try {
        return fileURLToPath(new URL(uri));
      } catch (error) {
        throw invalidParameter(`Invalid artifact URI '${uri}': ${(error as Error).message}`);
      }
    }
    if (uri.startsWith('/')) return uri;
    return null;
  }

  async list(dir: string, prefix: string): Promise<FileInfo[]> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
    const files: FileInfo[] = [];
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.mldesk-upload-')) continue;
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) files.push({ path, is_dir: true });
      else files.push({ path, is_dir: false, file_size: (await stat(join(dir, entry.name))).size });
    }
    return files;
  }

  /** Streams an upload to a temporary file, then renames it into place: readers never see half a file. */
  async write(target: string, body: Readable, displayPath = this.relativeToRoot(target)): Promise<{ size: number; sha256: string }> {
    try {
      await mkdir(dirname(target), { recursive: true });
    } catch (error) {
      if (isPathConflict(error)) throw invalidParameter(`Invalid value '${displayPath}' for parameter 'path': a parent of it is a file, not a folder.`);
      throw error;
    }
    const temp = join(dirname(target), `.mldesk-upload-${randomUUID()}`);
    const hash = createHash('sha256');
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(temp));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      if (isPathConflict(error)) throw invalidParameter(`Invalid value '${displayPath}' for parameter 'path': a folder of that name exists, so no file can be written there.`);
      throw error;
    }
    return { size, sha256: hash.digest('hex') };
  }

  async open(target: string, displayPath: string): Promise<{ stream: ReadStream; size: number }> {
    // The size is read from the file opened, not from the path: an upload renaming a new file into
    // place meanwhile must not leave a Content-Length that the stream then does not match.
    let handle;
    try {
      handle = await openFile(target, 'r');
    } catch {
      throw notFound(`Artifact '${displayPath}' does not exist.`);
    }
    const info = await handle.stat();
    if (info.isDirectory()) {
      await handle.close();
      throw invalidParameter(`Artifact '${displayPath}' is a directory; list it instead of downloading it.`);
    }
    return { stream: handle.createReadStream(), size: info.size };
  }

  async remove(target: string): Promise<void> {
    try {
      await rm(target, { recursive: true, force: true });
    } catch (error) {
      // A parent is a file: there is nothing at that path, as with a missing one.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    }
  }

  relativeToRoot(target: string): string {
    return relative(this.root, target).split(sep).join('/');
  }
}
