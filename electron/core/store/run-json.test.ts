import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TrackingStore } from './tracking-store.js';
import type { RunSearch } from './run-search.js';

let dir: string;
let store: TrackingStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-run-json-'));
  store = TrackingStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs with every kind of value the JSON text must spell as JSON.stringify does. */
function seedAwkwardRuns(experimentId: string): void {
  const awkward = ['plain', 'quote " and \\ backslash', 'line\nbreak\ttab\u0001ctl', 'ünïcødé 日本 🚀', '</script>', ''];
  for (let i = 0; i < 12; i++) {
    const run = store.createRun({
      experimentId,
      runName: `run ${awkward[i % awkward.length]} ${i}`,
      startTime: i % 5 === 0 ? undefined : 1_700_000_000_000 + i,
      tags: [{ key: 'note', value: awkward[(i + 1) % awkward.length]! }],
    });
    const id = run.info.run_id;
    const values = [0.1, 1 / 3, 1e-310, 1.7976931348623157e308, NaN, Infinity, -Infinity, 123456789.12345679, -2.5, 100];
    store.logBatch(id, {
      metrics: values.map((value, k) => ({ key: `m${k}`, value: i % 3 === 0 && k === 0 ? values[(i + k) % values.length]! : value, timestamp: 1_700_000_000_000 + k, step: 2 ** 40 + k })),
      params: awkward.filter((v) => v !== '').map((v, k) => ({ key: `p${k}`, value: `${v}-${i}` })),
      tags: [{ key: 'mlflow.note.content', value: awkward[i % awkward.length]! }],
    });
    if (i % 4 === 0) {
      store.logInputs(id, [
        { tags: [{ key: 'mlflow.data.context', value: 'train' }, { key: 'z', value: '"q"' }], dataset: { name: 'iris', digest: `d${i}`, source_type: 'local', source: 'file:///x', schema: '{"a":1}' } },
        { tags: [], dataset: { name: 'empty', digest: 'e', source_type: 'code', source: '' } },
      ]);
    }
    if (i % 6 === 1) store.updateRun(id, { status: 'FINISHED', endTime: 1_700_000_100_000 + i });
    if (i === 7) store.runs.setLifecycle(id, 'deleted');
  }
}

/** The same JSON document: every field, every order, every value exactly (spellings such as 100 and 100.0 may differ). */
function expectSameDocument(text: string, objects: unknown): void {
  expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(objects)));
}

describe('searchRunsJson', () => {
  it('is the document of JSON.stringify(searchRuns(...)), across pages, filters, orderings and view types', () => {
    const experimentId = store.experiments.create('awkward', undefined, []);
    seedAwkwardRuns(experimentId);
    const queries: RunSearch[] = [
      { experimentIds: [experimentId], viewType: 'ALL', maxResults: 1000, orderBy: [] },
      { experimentIds: [experimentId], viewType: 'ACTIVE_ONLY', maxResults: 5, orderBy: ['metrics.m3 DESC'] },
      { experimentIds: [experimentId], viewType: 'DELETED_ONLY', maxResults: 5, orderBy: [] },
      { experimentIds: [experimentId, '0'], viewType: 'ALL', maxResults: 4, orderBy: ['params.p1 ASC'], filter: 'metrics.m9 >= 0' },
      { experimentIds: [experimentId], viewType: 'ALL', maxResults: 3, orderBy: ['attributes.start_time ASC'] },
      { experimentIds: [experimentId], viewType: 'ALL', maxResults: 10, orderBy: [], filter: "tags.note = 'nothing matches'" },
      { experimentIds: [], viewType: 'ALL', maxResults: 10, orderBy: [] },
    ];
    let pages = 0;
    for (const query of queries) {
      let pageToken: string | undefined;
      do {
        const page = { ...query, pageToken };
        const objects = store.searchRuns(page);
        const text = store.searchRunsJson(page).toString();
        expectSameDocument(text, objects);
        // Key order is part of the answer some clients print.
        expect(Object.keys(JSON.parse(text) as object)).toEqual(Object.keys(objects));
        pageToken = objects.next_page_token;
        pages++;
      } while (pageToken !== undefined);
    }
    expect(pages).toBeGreaterThan(queries.length);
  });

  it('answers a page larger than one IN list of run keys (900) with every run whole', () => {
    const experimentId = store.experiments.create('wide page', undefined, []);
    store.db.transaction(() => {
      for (let i = 0; i < 950; i++) {
        const id = store.createRun({ experimentId, runName: `r${i}`, startTime: i, tags: [] }).info.run_id;
        store.logBatch(id, { metrics: [{ key: 'm', value: i / 7, timestamp: i, step: 0 }], params: [{ key: 'p', value: String(i) }], tags: [] });
      }
    })();
    const query: RunSearch = { experimentIds: [experimentId], viewType: 'ALL', maxResults: 1000, orderBy: ['metrics.m ASC'] };
    const text = store.searchRunsJson(query).toString();
    expectSameDocument(text, store.searchRuns(query));
    const parsed = JSON.parse(text) as { runs: Array<{ data: { metrics: unknown[]; params: unknown[] } }> };
    expect(parsed.runs).toHaveLength(950);
    expect(parsed.runs.every((run) => run.data.metrics.length === 1 && run.data.params.length === 1)).toBe(true);
  });
});

describe('RunJsonWriter', () => {
  it('writes each run with the fields in the order of RunStore.load and values that read back exactly', () => {
    const experimentId = store.experiments.create('order', undefined, []);
    const id = store.createRun({ experimentId, runName: 'r', startTime: 5, tags: [] }).info.run_id;
    store.logBatch(id, {
      metrics: [
        { key: 'third', value: 1 / 3, timestamp: 1, step: 2 },
        { key: 'nan', value: NaN, timestamp: 1, step: 0 },
        { key: 'inf', value: -Infinity, timestamp: 1, step: 0 },
      ],
      params: [],
      tags: [],
    });
    const text = store.searchRunsJson({ experimentIds: [experimentId], viewType: 'ALL', maxResults: 10, orderBy: [] }).toString();
    const objects = store.searchRuns({ experimentIds: [experimentId], viewType: 'ALL', maxResults: 10, orderBy: [] });
    const run = (JSON.parse(text) as { runs: Array<Record<string, Record<string, unknown>>> }).runs[0]!;
    expect(Object.keys(run)).toEqual(['info', 'data', 'inputs']);
    expect(Object.keys(run.info!)).toEqual(Object.keys(objects.runs[0]!.info));
    expect(Object.keys(run.data!)).toEqual(['metrics', 'params', 'tags']);
    expect(run.data!.metrics).toEqual([
      { key: 'inf', value: '-Infinity', timestamp: 1, step: 0 },
      { key: 'nan', value: 'NaN', timestamp: 1, step: 0 },
      { key: 'third', value: 1 / 3, timestamp: 1, step: 2 },
    ]);
  });
});
