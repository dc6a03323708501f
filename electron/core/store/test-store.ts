/** A store in a fresh temp data directory, for tests (not shipped: only *.test.ts files import this). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrackingStore } from './tracking-store.js';

export interface TempStore {
  store: TrackingStore;
  /** Closes the store and removes its directory. */
  dispose(): void;
}

export function openTempStore(prefix: string): TempStore {
  const dir = mkdtempSync(join(tmpdir(), `mldesk-${prefix}-`));
  const store = TrackingStore.open(dir);
  return {
    store,
    dispose() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
