/**
 * Writes and deletes through the artifact proxy, kept inside one run's artifact folder and in step
 * with the artifacts index (the table of each run's files with size and hash).
 *
 * The proxy's paths are relative to the artifact root (`<experiment>/<run>/artifacts/<file>` for
 * the default locations). Reads may name any file under the root, as MLflow's proxy allows; a write
 * or a delete naming the root, an experiment folder or a run folder itself would replace or remove
 * every run's files at once, so only paths strictly inside one existing run's folder are accepted.
 */
import { resolve, sep } from 'node:path';
import { invalidParameter } from '../errors.js';
import type { ArtifactFiles } from './artifact-files.js';
import type { SqliteDatabase } from './database.js';
import type { RunStore } from './runs.js';

const RUN_ID = /^[0-9a-f]{32}$/;

export interface RunArtifactTarget {
  /** The file or folder on disk. */
  target: string;
  runPk: number;
  /** The path inside the run's artifact folder, `/`-separated, as the index keys it. */
  pathInRun: string;
}

function outsideRun(path: string, why: string) {
  return invalidParameter(
    `Invalid artifact path '${path}': ${why}. Uploads and deletes must name a file or folder inside one run's artifact folder ` +
      '(<experiment_id>/<run_id>/artifacts/<path>).',
  );
}

/** Resolves a proxy path for a write or delete, or throws a 400 naming the path. */
/**
 * `allowRunRoot`: the run's artifact folder itself is a valid answer (reading it whole as a zip),
 * where writing or deleting it is not.
 */
export function runArtifactTarget(files: ArtifactFiles, runs: RunStore, path: string, allowRunRoot = false): RunArtifactTarget {
  const target = files.resolveProxyPath(path);
  const relative = files.relativeToRoot(target);
  if (relative === '') throw outsideRun(path, 'it names the artifact root itself');
  const parts = relative.split('/');
  for (let i = 0; i + 1 < parts.length; i++) {
    if (parts[i + 1] !== 'artifacts' || !RUN_ID.test(parts[i]!)) continue;
    let run;
    try {
      run = runs.row(parts[i]!);
    } catch {
      continue;
    }
    const runRoot = files.localDirOf(run.artifact_uri);
    // The folder must be the run's own: a run id pasted under another experiment is not it.
    if (runRoot === null || resolve(runRoot) !== resolve(files.root, ...parts.slice(0, i + 2))) continue;
    if (i + 2 === parts.length) {
      if (allowRunRoot) return { target, runPk: run.run_pk, pathInRun: '' };
      throw outsideRun(path, `it names the artifact folder of run ${parts[i]} itself`);
    }
    if (!target.startsWith(resolve(runRoot) + sep)) continue;
    return { target, runPk: run.run_pk, pathInRun: parts.slice(i + 2).join('/') };
  }
  if (parts.length === 1) throw outsideRun(path, 'it names an experiment folder');
  if (parts.length === 2 && RUN_ID.test(parts[1]!)) throw outsideRun(path, 'it names a run folder');
  throw outsideRun(path, 'it is not inside the artifact folder of any run of this server');
}

export function recordRunArtifact(db: SqliteDatabase, runPk: number, pathInRun: string, size: number, sha256: string): void {
  db.prepare(
    `INSERT INTO artifacts (run_pk, path, file_size, sha256, created_time) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (run_pk, path) DO UPDATE SET file_size = excluded.file_size, sha256 = excluded.sha256, created_time = excluded.created_time`,
  ).run(runPk, pathInRun, size, sha256, Date.now());
}

/** Drops the index rows of a deleted file, or of every file under a deleted folder. */
export function forgetRunArtifacts(db: SqliteDatabase, runPk: number, pathInRun: string): number {
  const folder = `${pathInRun}/`;
  return db
    .prepare('DELETE FROM artifacts WHERE run_pk = ? AND (path = ? OR substr(path, 1, ?) = ?)')
    .run(runPk, pathInRun, folder.length, folder).changes;
}
