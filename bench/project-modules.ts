import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as DatabaseModule from '../electron/core/store/database.js';
import type * as TrackingStoreModule from '../electron/core/store/tracking-store.js';
import type * as RegistryModule from '../electron/core/registry/model-registry.js';
import type * as MonitorSettingsModule from '../electron/core/monitoring/monitor-settings.js';

/**
 * The compiled store, as `mldesk serve` runs it (npm run bench builds first). Types come from the
 * sources; the code comes from dist/ so the in-process baselines use exactly what the server uses.
 */
async function loadDist<T>(relative: string): Promise<T> {
  const url = new URL(`../dist/${relative}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`${fileURLToPath(url)} is missing: run \`npm run build\` first.`);
  return (await import(url.href)) as T;
}

export const loadDatabaseModule = () => loadDist<typeof DatabaseModule>('electron/core/store/database.js');
export const loadTrackingStoreModule = () => loadDist<typeof TrackingStoreModule>('electron/core/store/tracking-store.js');
export const loadRegistryModule = () => loadDist<typeof RegistryModule>('electron/core/registry/model-registry.js');
export const loadMonitorSettingsModule = () => loadDist<typeof MonitorSettingsModule>('electron/core/monitoring/monitor-settings.js');
