/**
 * One monitoring pass over a data directory: references waiting for their profile are profiled,
 * and every version with a ready reference gets its new closed windows. `mldesk serve` runs it in
 * the background every so often; the CLI and the app run it on demand.
 */
import type { SqliteDatabase } from '../store/database.js';
import { recordLineageReference } from './reference-lineage.js';
import { computeReference, ensureReference, pendingReferences, type ReferenceDeps } from './reference-profiles.js';
import { computeClosedWindows, type VersionPass } from './window-engine.js';

/** Versions registered before monitoring existed get their lineage reference (cheap: one lookup each). */
function adoptUnreferenced(db: SqliteDatabase): void {
  const rows = db
    .prepare(
      `SELECT v.version_pk, v.run_id FROM model_versions v
       WHERE v.run_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM monitoring_references r WHERE r.version_pk = v.version_pk)`,
    )
    .all() as Array<{ version_pk: number; run_id: string }>;
  for (const row of rows) recordLineageReference(db, row.version_pk, row.run_id);
}

/** Versions with a ready reference: computeClosedWindows finds cheaply whether their current series has anything new. */
function versionsToWindow(db: SqliteDatabase): number[] {
  return (db.prepare("SELECT version_pk FROM monitoring_references WHERE status = 'ready' ORDER BY version_pk").all() as Array<{ version_pk: number }>).map((r) => r.version_pk);
}

export interface PassResult {
  references: number;
  versions: VersionPass[];
}

export async function monitorPass(deps: ReferenceDeps, now = Date.now()): Promise<PassResult> {
  const { db } = deps.store;
  adoptUnreferenced(db);
  const pending = pendingReferences(db);
  for (const versionPk of pending) await computeReference(deps, versionPk);
  const versions: VersionPass[] = [];
  for (const versionPk of versionsToWindow(db)) {
    try {
      versions.push(await computeClosedWindows(db, versionPk, now));
    } catch (error) {
      // One version's failure (a corrupt row...) must not hold back the others'.
      versions.push({ versionPk, model: '', version: 0, stored: 0, rows: 0, skipped: (error as Error).message });
    }
  }
  return { references: pending.length, versions };
}

/** A pass over one model's versions (on demand): references made ready, new closed windows stored. */
export async function monitorModel(deps: ReferenceDeps, model: string, now = Date.now()): Promise<VersionPass[]> {
  const { db } = deps.store;
  const versions = db
    .prepare('SELECT v.version_pk FROM model_versions v JOIN registered_models m ON m.model_id = v.model_id WHERE m.name = ? ORDER BY v.version')
    .all(model) as Array<{ version_pk: number }>;
  if (versions.length === 0) deps.registry.getModel(model); // names an unknown model in its error
  const passes: VersionPass[] = [];
  for (const { version_pk: versionPk } of versions) {
    await ensureReference(deps, versionPk);
    passes.push(await computeClosedWindows(db, versionPk, now));
  }
  return passes;
}

/**
 * Runs a pass every `intervalMs` (the next one starts only once the last is done) until stopped.
 * A failing pass is reported to `onError` and the loop goes on: one bad version must not stop the
 * monitoring of the others for the server's lifetime.
 */
export function startMonitorLoop(deps: ReferenceDeps, options: { intervalMs: number; onError?: (error: Error) => void }): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = monitorPass(deps)
        .catch((error: unknown) => options.onError?.(error as Error))
        .finally(() => schedule(options.intervalMs));
    }, delay);
    timer.unref();
  };
  // The first pass soon after start: a server started on an existing log catches up at once.
  schedule(Math.min(options.intervalMs, 2000));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
