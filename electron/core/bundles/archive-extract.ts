import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ManifestEntry } from '../../../shared/bundles.js';
import { ArchiveError, damaged } from './zip-entries.js';

/**
 * Creates the folders between `root` and `dir` one by one, refusing any that already exists as a
 * symbolic link or a file: a link planted in the target folder must not carry an entry outside it.
 */
async function ensureFolder(root: string, dir: string, entryPath: string, checked: Set<string>, created: string[]): Promise<void> {
  let current = root;
  for (const part of relative(root, dir).split(sep).filter(Boolean)) {
    current = join(current, part);
    if (checked.has(current)) continue;
    const stat = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!stat) {
      await mkdir(current);
      created.push(current);
    } else if (!stat.isDirectory()) {
      throw new ArchiveError(entryPath, `cannot be extracted: ${relative(root, current)} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a folder'} in the target folder`);
    }
    checked.add(current);
  }
}

/**
 * Extracts `entries` under `dir`, all or nothing: every entry is streamed (and hash-checked) to a
 * temp name beside its target; only when all checked out are they renamed into place. On any failure
 * the temp files and the folders this call created are removed.
 */
export async function extractAllOrNothing(dir: string, entries: ManifestEntry[], stream: (path: string) => Promise<Readable>): Promise<void> {
  const root = resolve(dir);
  const created: string[] = [];
  const staged: { temp: string; target: string; path: string }[] = [];
  try {
    const madeRoot = await mkdir(root, { recursive: true });
    if (madeRoot) created.push(madeRoot);
    const checked = new Set<string>([root]);
    for (const entry of entries) {
      // The manifest's paths passed ArchivePathSchema; this guards the join itself.
      const target = resolve(root, ...entry.path.split('/'));
      if (!target.startsWith(root + sep)) throw new ArchiveError(entry.path, 'points outside the folder it is extracted to');
      await ensureFolder(root, dirname(target), entry.path, checked, created);
      const existing = await lstat(target).catch(() => null);
      if (existing && !existing.isFile()) throw new ArchiveError(entry.path, 'cannot be extracted: something other than a file is already there');
      const temp = join(dirname(target), `.extract-${randomUUID()}.tmp`);
      staged.push({ temp, target, path: entry.path });
      try {
        await pipeline(await stream(entry.path), createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code) throw new ArchiveError(entry.path, `could not be written (${(error as Error).message})`);
        throw damaged(entry.path, error);
      }
    }
    for (const { temp, target } of staged) await rename(temp, target);
  } catch (error) {
    await Promise.all(staged.map(({ temp }) => rm(temp, { force: true })));
    for (const folder of created.reverse()) await rmdir(folder).catch(() => undefined);
    throw error instanceof ArchiveError ? error : new ArchiveError(null, `could not extract the archive (${(error as Error).message})`);
  }
}
