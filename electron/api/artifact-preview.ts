import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactPreview } from '../../shared/app-api/entities.js';
import { invalidParameter, notFound } from '../core/errors.js';
import type { TrackingStore } from '../core/store/tracking-store.js';

const PREVIEW_BYTES = 256 * 1024;
const TEXT = new Set(['txt', 'log', 'md', 'py', 'yaml', 'yml', 'toml', 'ini', 'cfg', 'sh', 'html', 'xml', 'js', 'ts', 'r', 'sql', 'MLmodel', 'requirements']);
const IMAGES = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp']);

export function artifactKind(path: string): ArtifactPreview['kind'] {
  const name = path.split('/').pop() ?? path;
  const extension = name.includes('.') ? name.split('.').pop()!.toLowerCase() : name;
  if (extension === 'json') return 'json';
  if (extension === 'csv' || extension === 'tsv') return 'csv';
  if (IMAGES.has(extension)) return 'image';
  if (TEXT.has(extension) || TEXT.has(name)) return 'text';
  return 'binary';
}

/** The run's artifact folder on disk. */
export function runArtifactRoot(store: TrackingStore, runId: string): string {
  const run = store.runs.row(runId, 'runId');
  const root = store.artifacts.localDirOf(run.artifact_uri);
  if (root === null) throw invalidParameter(`Run ${runId} keeps its artifacts in ${run.artifact_uri}, which this app cannot read.`);
  return root;
}

/** Resolves a run's artifact file on disk, refusing paths that leave the run's artifact root. */
export function runArtifactFile(store: TrackingStore, runId: string, path: string): string {
  const root = runArtifactRoot(store, runId);
  const clean = path.replace(/^\/+/, '');
  if (clean.split('/').some((part) => part === '..' || part === '')) throw invalidParameter(`Invalid value '${path}' for field 'path': not a path inside the run's artifacts.`);
  return join(root, clean);
}

/** The first 256 KiB of a text-like artifact (JSON, CSV, logs...), or just its kind and URL for images and binaries. */
export async function previewArtifact(store: TrackingStore, runId: string, path: string): Promise<ArtifactPreview> {
  const file = runArtifactFile(store, runId, path);
  const kind = artifactKind(path);
  const url = `app-files/artifacts/${encodeURIComponent(runId)}/${path.split('/').map(encodeURIComponent).join('/')}`;
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    throw notFound(`Artifact '${path}' of run ${runId} does not exist.`);
  }
  try {
    const { size } = await handle.stat();
    if (kind === 'image' || kind === 'binary') return { path, kind, size, truncated: false, url };
    const buffer = Buffer.alloc(Math.min(size, PREVIEW_BYTES));
    await handle.read(buffer, 0, buffer.length, 0);
    return { path, kind, size, truncated: size > PREVIEW_BYTES, text: buffer.toString('utf8'), url };
  } finally {
    await handle.close();
  }
}
