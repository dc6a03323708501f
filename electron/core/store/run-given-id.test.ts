import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrackingStore } from './tracking-store.js';

let dir: string;
let store: TrackingStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-given-id-'));
  store = TrackingStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a run created under a given id (the scratch copy of a remote run)', () => {
  it('keeps the id, in the run and its artifact location', () => {
    const id = 'ab'.repeat(16);
    const run = store.createRun({ experimentId: store.experiments.idForName('Default'), runId: id, tags: [] });
    expect(run.info.run_id).toBe(id);
    expect(run.info.artifact_uri).toContain(`/${id}/artifacts`);
  });

  it('refuses an id that is not 32 lowercase hex digits, and one already taken', () => {
    const experimentId = store.experiments.idForName('Default');
    for (const bad of ['../../etc', 'AB'.repeat(16), 'ab'.repeat(15), '']) {
      expect(() => store.createRun({ experimentId, runId: bad, tags: [] })).toThrow(/must be 32 lowercase hex digits/);
    }
    store.createRun({ experimentId, runId: 'cd'.repeat(16), tags: [] });
    expect(() => store.createRun({ experimentId, runId: 'cd'.repeat(16), tags: [] })).toThrow();
  });
});
