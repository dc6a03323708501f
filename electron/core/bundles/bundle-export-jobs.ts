import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleDownloadUrl, type BundleExportEvent, type BundleExportRequest } from '../../../shared/app-api/bundles.js';
import { mldeskPackage } from '../lineage/environment.js';
import type { TrackingStore } from '../store/tracking-store.js';
import { exportBundle } from './bundle-export.js';

/** How long a finished bundle waits to be downloaded before it is removed. */
const KEEP_MS = 30 * 60 * 1000;
const FOLDER = '.bundle-exports';

interface Finished {
  file: string;
  fileName: string;
  timer: NodeJS.Timeout;
}

/**
 * Bundle exports started from the app: written in the background under `<data-dir>/.bundle-exports`,
 * their progress pushed as `bundles.exportProgress` events, the file then downloaded through
 * `app-files/bundles/<id>.mldesk` (bundle-routes.ts) and removed after a while.
 */
export class BundleExportJobs {
  private readonly finished = new Map<string, Finished>();

  constructor(private readonly store: TrackingStore) {}

  private folder(): string {
    const dir = join(this.store.dataDir, FOLDER);
    mkdirSync(dir, { recursive: true });
    // Files of an earlier process that were never downloaded.
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (Date.now() - statSync(file).mtimeMs > KEEP_MS && !this.isKept(file)) rmSync(file, { force: true, recursive: true });
    }
    return dir;
  }

  private isKept(file: string): boolean {
    return [...this.finished.values()].some((f) => f.file === file);
  }

  /** Resolves once the inputs are checked and the export has started (rejects naming the field at fault). */
  start(request: BundleExportRequest): Promise<{ exportId: string }> {
    const exportId = randomUUID();
    const experiment = this.store.experiments.get(request.experimentId);
    const file = join(this.folder(), `${exportId}.mldesk`);
    const fileName = `${experiment.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'experiment'}.mldesk`;
    const emit = (payload: Omit<BundleExportEvent, 'exportId'>) => this.store.events.emit('bundles.exportProgress', { exportId, ...payload });
    return new Promise((resolve, reject) => {
      let started = false;
      exportBundle(this.store, {
        experiments: [experiment.name],
        runIds: request.runIds,
        withData: request.withData,
        anonymize: request.anonymize,
        out: file,
        appVersion: mldeskPackage().version ?? '0.0.0',
        fields: { experiments: 'experimentId', runs: 'runIds', out: 'out' },
        onProgress: (progress) => {
          if (!started) {
            started = true;
            resolve({ exportId });
          }
          if (progress.phase !== 'done') emit({ ...progress, downloadUrl: null, fileName: null });
        },
      }).then(
        (result) => {
          const timer = setTimeout(() => this.forget(exportId), KEEP_MS);
          timer.unref();
          this.finished.set(exportId, { file: result.file, fileName, timer });
          emit({ phase: 'done', doneBytes: result.bytes, totalBytes: result.bytes, message: `${result.meta.counts.runs} runs`, downloadUrl: bundleDownloadUrl(exportId), fileName });
        },
        (error: Error) => {
          if (!started) return reject(error);
          emit({ phase: 'failed', doneBytes: 0, totalBytes: 0, message: error.message, downloadUrl: null, fileName: null });
        },
      );
    });
  }

  /** The finished bundle for a download, or null (unknown id, or removed after KEEP_MS). */
  download(exportId: string): { file: string; fileName: string } | null {
    const found = this.finished.get(exportId);
    return found ? { file: found.file, fileName: found.fileName } : null;
  }

  forget(exportId: string): void {
    const found = this.finished.get(exportId);
    if (!found) return;
    clearTimeout(found.timer);
    this.finished.delete(exportId);
    rmSync(found.file, { force: true });
  }
}

const jobs = new WeakMap<TrackingStore, BundleExportJobs>();

/** One set of jobs per store: the handlers and the download route share it. */
export function bundleExportJobs(store: TrackingStore): BundleExportJobs {
  let found = jobs.get(store);
  if (!found) {
    found = new BundleExportJobs(store);
    jobs.set(store, found);
  }
  return found;
}
