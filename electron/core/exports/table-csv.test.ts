/**
 * The runs export reads its chunks from one snapshot: runs logged while a long export streams
 * (real SQLite file, the store's own writes) neither repeat nor push out rows it started with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { TrackingStore } from '../store/tracking-store.js';
import { runsCsv } from './table-csv.js';

let dir: string;
let store: TrackingStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-runs-csv-'));
  store = TrackingStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const idsOf = (csv: string): string[] => csv.trim().split('\n').slice(1).map((line) => line.split(',')[0]!);

it('a run logged or deleted during the export neither repeats a row nor drops one that existed when it started', () => {
  const experimentId = store.experiments.create('many', undefined, []);
  // More runs than one chunk (1000), newest first: a new run goes on top and shifts every offset.
  const before: string[] = [];
  for (let i = 0; i < 2500; i++) before.push(store.createRun({ experimentId, runName: `r${i}`, startTime: 1_700_000_000_000 + i, tags: [] }).info.run_id);
  const chunks = runsCsv(store, { experimentIds: [experimentId], sort: [{ column: 'attributes.start_time', ascending: false }], columns: { metrics: [], params: [], tags: [] } });
  let csv = chunks.next().value as string;
  for (let i = 0; i < 3; i++) store.createRun({ experimentId, runName: `during${i}`, startTime: 1_800_000_000_000 + i, tags: [] });
  csv += chunks.next().value as string;
  // A deleted run would pull the next chunk's first row back into the one already sent.
  store.runs.setLifecycle(before[0]!, 'deleted');
  for (const chunk of chunks) csv += chunk;
  const ids = idsOf(csv);
  expect(ids.length).toBe(before.length);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual([...before].reverse());
  // The next export sees them.
  expect(idsOf([...runsCsv(store, { experimentIds: [experimentId], columns: { metrics: [], params: [], tags: [] } })].join('')).length).toBe(2502);
});
