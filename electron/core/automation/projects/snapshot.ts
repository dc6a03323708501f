/**
 * Project snapshots: a project folder zipped as a run artifact, so a worker on another machine gets
 * the code through the artifact proxy (no shared disk), and the exact bytes are checked (SHA-256)
 * before they run. Extraction goes through the hardened bundle code (zip-entries / archive-extract):
 * no symlinks, no `..`, no zip bombs, all or nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { Hash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ZipFile } from 'yazl';
import type { ProjectSource } from '../../../../shared/automation.js';
import { ArchivePathSchema } from '../../../../shared/bundles.js';
import { extractAllOrNothing } from '../../bundles/archive-extract.js';
import { checkLocalHeaders, DEFAULT_LIMITS, entryStream, listEntries, openZip } from '../../bundles/zip-entries.js';
import { invalidParameter, MLDeskError } from '../../errors.js';
import { gitTags, PROJECT_TAG } from './project-lineage.js';
import type { TrackingClient } from './tracking-client.js';

/** Folders no project needs at run time: version control, dependencies, caches, local MLflow stores. */
export const SNAPSHOT_SKIPPED = new Set(['.git', 'node_modules', '__pycache__', 'mlruns', '.venv', '.mypy_cache', '.pytest_cache', '.ipynb_checkpoints']);
export const SNAPSHOT_ARTIFACT = 'mldesk/project-snapshot.zip';
const MAX_SNAPSHOT_FILES = 20_000;
const MAX_SNAPSHOT_BYTES = 1024 ** 3;
/** A fixed time in every entry: the same folder gives the same zip bytes (and hash). */
const FIXED_MTIME = new Date(Date.UTC(2000, 0, 1));

async function projectFiles(root: string): Promise<{ path: string; file: string }[]> {
  const files: { path: string; file: string }[] = [];
  let bytes = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SNAPSHOT_SKIPPED.has(entry.name)) await walk(full);
        continue;
      }
      // Links and devices are left out: a snapshot carries the project's own files only.
      if (!entry.isFile() || entry.name.endsWith('.pyc')) continue;
      const path = relative(root, full).split(sep).join('/');
      const checked = ArchivePathSchema.safeParse(path);
      if (!checked.success) throw invalidParameter(`Project file '${path}' cannot go into a snapshot: its path ${checked.error.issues[0]?.message ?? 'is invalid'}.`);
      bytes += (await lstat(full)).size;
      files.push({ path, file: full });
      if (files.length > MAX_SNAPSHOT_FILES) throw invalidParameter(`The project folder holds over ${MAX_SNAPSHOT_FILES} files (outside ${[...SNAPSHOT_SKIPPED].join(', ')}); too many for a snapshot.`);
      if (bytes > MAX_SNAPSHOT_BYTES) throw invalidParameter(`The project folder holds over ${MAX_SNAPSHOT_BYTES} bytes; too much for a snapshot.`);
    }
  };
  await walk(root);
  return files;
}

const hashing = (hash: Hash) =>
  new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });

/** Zips the folder to `out`; answers its SHA-256. */
export async function zipProject(projectDir: string, out: string): Promise<{ sha256: string; files: number }> {
  const files = await projectFiles(resolve(projectDir));
  const zip = new ZipFile();
  const hash = createHash('sha256');
  const written = pipeline(
    zip.outputStream,
    hashing(hash),
    createWriteStream(out),
  );
  for (const { path, file } of files) zip.addReadStream(createReadStream(file), path, { mtime: FIXED_MTIME, mode: 0o100644 });
  zip.end();
  await written;
  return { sha256: hash.digest('hex'), files: files.length };
}

/**
 * Zips a project folder and stores it as an artifact of `runId` through the tracking server, with
 * the folder's git state as run tags; the answer is what a job spec carries so any worker can run
 * it. Skipped: .git, node_modules, __pycache__, mlruns, virtualenvs, caches, *.pyc, symbolic links.
 * File modes are not kept: commands should call scripts through their interpreter (`bash x.sh`).
 */
export async function snapshotProject(client: TrackingClient, projectDir: string, runId: string, path = SNAPSHOT_ARTIFACT): Promise<Extract<ProjectSource, { kind: 'artifact' }>> {
  const dir = await mkdtemp(join(tmpdir(), 'mldesk-snapshot-'));
  try {
    const zipFile = join(dir, 'project.zip');
    const { sha256 } = await zipProject(projectDir, zipFile);
    const run = await client.getRun(runId);
    await client.uploadArtifact(run, path, { file: zipFile });
    // The snapshot leaves .git behind: the folder's git state is recorded now, for the launch to keep.
    const git = await gitTags(projectDir);
    await client.logParamsAndTags(runId, [], [...git.tags, { key: `${PROJECT_TAG}snapshot_sha256`, value: sha256 }, { key: `${PROJECT_TAG}snapshot_of`, value: resolve(projectDir) }]);
    return { kind: 'artifact', runId, path, sha256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Downloads a snapshot, checks its SHA-256 and extracts it under `workDir`; answers the project folder. */
export async function materialiseSnapshot(client: TrackingClient, source: Extract<ProjectSource, { kind: 'artifact' }>, workDir: string): Promise<string> {
  const run = await client.getRun(source.runId);
  const response = await client.downloadArtifact(run, source.path);
  const zipFile = join(workDir, `snapshot-${randomUUID()}.zip`);
  const hash = createHash('sha256');
  if (!response.body) throw new MLDeskError('INVALID_STATE', `The project snapshot ${source.path} of run ${source.runId} came back empty.`);
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    hashing(hash),
    createWriteStream(zipFile),
  );
  const actual = hash.digest('hex');
  if (actual !== source.sha256) {
    await rm(zipFile, { force: true });
    throw new MLDeskError('INVALID_STATE', `The project snapshot ${source.path} of run ${source.runId} has SHA-256 ${actual}, not the ${source.sha256} the job was given: refusing to run it.`);
  }
  const projectDir = join(workDir, 'project');
  const zip = await openZip(zipFile);
  try {
    const entries = await listEntries(zip, DEFAULT_LIMITS);
    checkLocalHeaders(zipFile, entries);
    // The whole zip's SHA-256 was checked above; the entries need no hashes of their own here.
    const manifest = [...entries].map(([path, entry]) => ({ path, size: entry.uncompressedSize, sha256: '' }));
    await extractAllOrNothing(projectDir, manifest, (path) => entryStream(zip, path, entries.get(path)!));
  } finally {
    zip.close();
    await rm(zipFile, { force: true });
  }
  return projectDir;
}
