import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BUNDLE_ARTIFACTS_PREFIX, BUNDLE_DATASETS_PREFIX, type ManifestEntry } from '../../../shared/bundles.js';
import { ArchiveError, type ArchiveReader } from './archive-reader.js';

/** An entry whose bytes do not match the signed manifest: never written, named in the banner. */
export interface ArtifactProblem {
  path: string;
  message: string;
}

/** Artifact and dataset entries: what the read-only store serves from files under the temp data dir. */
export const isFileEntry = (entry: ManifestEntry): boolean => entry.path.startsWith(BUNDLE_ARTIFACTS_PREFIX) || entry.path.startsWith(BUNDLE_DATASETS_PREFIX);

/**
 * Writes a bundle's artifact and dataset entries under `dir` (the layout of a data dir), each one
 * hash-checked while it is written to a temp name and renamed into place: a file that does not match
 * the signed manifest never appears. Unlike ArchiveReader.extract it goes on past a bad entry, so
 * one changed artifact is refused on its own while the rest of the bundle stays readable.
 */
export class BundleArtifacts {
  readonly problems: ArtifactProblem[] = [];
  private done: Promise<void> | null = null;
  private checked = 0;
  private stopped = false;
  private readonly entries: ManifestEntry[];

  constructor(
    private readonly reader: ArchiveReader,
    private readonly dir: string,
  ) {
    this.entries = reader.manifest.entries.filter(isFileEntry);
  }

  get total(): number {
    return this.entries.length;
  }

  get progress(): { checked: number; total: number; finished: boolean } {
    return { checked: this.checked, total: this.entries.length, finished: this.checked === this.entries.length };
  }

  /** Starts (once) and resolves when every entry is written or refused; never rejects for a bad entry. */
  extractAll(): Promise<void> {
    this.done ??= this.run();
    return this.done;
  }

  /** Ends a running extraction after its current entry (the bundle is being closed). */
  stop(): void {
    this.stopped = true;
  }

  /** The problem of the entry at `entryPath` or under it (an `artifacts/…` or `datasets/…` path), if any. */
  problemOf(entryPath: string): ArtifactProblem | null {
    return this.problems.find((problem) => problem.path === entryPath || problem.path.startsWith(`${entryPath}/`)) ?? null;
  }

  private async run(): Promise<void> {
    const root = resolve(this.dir);
    for (const entry of this.entries) {
      if (this.stopped) return;
      try {
        await this.extractOne(root, entry);
      } catch (error) {
        const message = error instanceof ArchiveError ? error.message : `${entry.path}: ${(error as Error).message}`;
        this.problems.push({ path: entry.path, message });
      }
      this.checked++;
    }
  }

  private async extractOne(root: string, entry: ManifestEntry): Promise<void> {
    const target = resolve(root, ...entry.path.split('/'));
    // The reader's path rules already forbid this; a second check costs nothing where files are written.
    if (!target.startsWith(root + sep)) throw new ArchiveError(entry.path, 'points outside the folder it is extracted to');
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.mldesk-upload-bundle-${process.pid}-${Math.random().toString(36).slice(2)}`);
    try {
      await pipeline(await this.reader.stream(entry.path), createWriteStream(temp, { flags: 'wx' }));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
