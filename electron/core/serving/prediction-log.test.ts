import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MLDeskError } from '../errors.js';
import { TrackingStore } from '../store/tracking-store.js';
import { decodeRows, encodeRow, PredictionLogFullError, PredictionLogWriter, type PredictionLogRow } from './prediction-log.js';
import { parseFeedbackBody, predictionStats, recordFeedback, searchPredictions } from './prediction-records.js';

let dir: string;
let store: TrackingStore;
let writers: PredictionLogWriter[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-predlog-'));
  store = TrackingStore.open(dir);
});
afterEach(async () => {
  await Promise.all(writers.map((w) => w.close()));
  writers = [];
  store.close();
  rmSync(dir, { recursive: true, force: true });
});
const newWriter = (options?: ConstructorParameters<typeof PredictionLogWriter>[1]) => {
  const writer = new PredictionLogWriter(store.db, options);
  writers.push(writer);
  return writer;
};

let next = 0;
const row = (overrides: Partial<PredictionLogRow> = {}): PredictionLogRow => ({
  requestId: `req-${++next}`,
  modelName: 'm',
  modelVersion: 1,
  runId: null,
  inputs: { x: next },
  output: { label: next % 2 ? 'a' : 'b', probabilities: { a: 0.5, b: 0.5 } },
  latencyUs: 1500,
  endpoint: 'tfserving',
  time: 1_700_000_000_000 + next,
  ...overrides,
});
const countRows = () => (store.db.prepare('SELECT COUNT(*) AS n FROM predictions').get() as { n: number }).n;

describe('PredictionLogWriter', () => {
  it('commits the rows of one event-loop turn in one transaction on the writer thread, and resolves each caller after the commit', async () => {
    const writer = newWriter();
    const appends = Array.from({ length: 20 }, () => writer.append([row(), row()]));
    expect(countRows()).toBe(0);
    expect(writer.counters.pending).toBe(40);
    await Promise.all(appends);
    expect(countRows()).toBe(40);
    expect(writer.counters).toMatchObject({ written: 40, pending: 0, batches: 1, failed: 0, rejected: 0 });
  });

  it('refuses new rows with a 503 error when too many wait, and counts them', async () => {
    const writer = newWriter({ maxPendingRows: 3 });
    writer.reserve(2);
    void writer.append([row(), row()]);
    const error = (() => {
      try {
        writer.reserve(2);
      } catch (e) {
        return e as MLDeskError;
      }
    })();
    expect(error).toBeInstanceOf(PredictionLogFullError);
    expect(error!.httpStatus).toBe(503);
    expect(error!.message).toMatch(/2 rows waiting, limit 3.*nothing was scored/);
    expect(writer.counters.rejected).toBe(2);
    await writer.drain();
    expect(countRows()).toBe(2);
    expect(() => writer.reserve(2)).not.toThrow();
  });

  it('a failed commit rejects every caller of that batch and keeps none of its rows', async () => {
    const writer = newWriter();
    await writer.append([row({ requestId: 'dup' })]);
    const ok = writer.append([row()]);
    const clash = writer.append([row({ requestId: 'dup' })]);
    await expect(clash).rejects.toThrow(/could not be logged, so it is not returned: UNIQUE constraint failed/);
    await expect(ok).rejects.toThrow(/could not be logged/);
    expect(countRows()).toBe(1);
    expect(writer.counters).toMatchObject({ written: 1, failed: 2, pending: 0 });
  });

  it('refuses rows once closed, after committing what was queued', async () => {
    const writer = newWriter();
    const queued = writer.append([row()]);
    await writer.close();
    await queued;
    expect(countRows()).toBe(1);
    expect(() => writer.reserve(1)).toThrow(/shutting down/);
  });
});

describe('the batch format between the threads', () => {
  it('keeps tabs, newlines and quotes in names, labels and inputs, nulls and zeros as they were', () => {
    const nasty = row({ modelName: 'churn\tmodel "v"\n2', inputs: { note: 'a\tb\nc', n: 0, missing: null }, output: { label: 'yes\t"no"', probabilities: { 'yes\t"no"': 0.75, other: 0.25 } } });
    const plain = row({ runId: 'run1', output: { value: 0 } });
    const [a, b] = decodeRows([encodeRow(nasty), encodeRow(plain)].join('\n'));
    expect(a).toEqual([nasty.requestId, 'churn\tmodel "v"\n2', 1, null, JSON.stringify(nasty.inputs), JSON.stringify(nasty.output), 'yes\t"no"', null, 1500, 'tfserving', nasty.time]);
    expect(b!.slice(3, 8)).toEqual(['run1', JSON.stringify(plain.inputs), '{"value":0}', null, 0]);
  });
});

describe('searchPredictions and feedback', () => {
  beforeEach(async () => {
    const writer = newWriter();
    await writer.append(Array.from({ length: 25 }, (_, i) => row({ requestId: `r${i}`, modelVersion: i < 10 ? 1 : 2, time: 1000 + i })));
    await writer.append([row({ requestId: 'reg', modelName: 'regressor', output: { value: 3.5 } })]);
  });

  it('pages newest first with a token, filters by version, time, label and feedback', () => {
    const first = searchPredictions(store.db, { model: 'm', maxResults: 10 });
    expect(first.predictions.map((p) => p.request_id)).toEqual(Array.from({ length: 10 }, (_, i) => `r${24 - i}`));
    const second = searchPredictions(store.db, { model: 'm', maxResults: 10, pageToken: first.next_page_token });
    const third = searchPredictions(store.db, { model: 'm', maxResults: 10, pageToken: second.next_page_token });
    expect(third.predictions.map((p) => p.request_id)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    expect(third.next_page_token).toBeUndefined();
    expect(searchPredictions(store.db, { model: 'm', version: '1' }).predictions).toHaveLength(10);
    expect(searchPredictions(store.db, { model: 'm', since: 1020, until: 1022 }).predictions.map((p) => p.request_id)).toEqual(['r21', 'r20']);
    const r3 = searchPredictions(store.db, { model: 'm', requestId: 'r3' }).predictions[0]!;
    expect(r3).toMatchObject({ model_version: '1', latency_ms: 1.5, endpoint: 'tfserving', feedback: null });
    const labelled = searchPredictions(store.db, { model: 'm', label: r3.output && 'label' in r3.output ? r3.output.label : '' }).predictions;
    expect(labelled.length).toBeGreaterThan(0);
    expect(labelled.every((p) => 'label' in p.output && p.output.label === ('label' in r3.output ? r3.output.label : ''))).toBe(true);

    expect(recordFeedback(store.db, [{ request_id: 'r3', actual: 'a' }, { request_id: 'r4', actual: 7 }], 5000)).toEqual({ accepted: 2, replaced: 0 });
    const withFeedback = searchPredictions(store.db, { model: 'm', feedback: 'with' }).predictions;
    expect(withFeedback.map((p) => [p.request_id, p.feedback])).toEqual([
      ['r4', { actual: '7', timestamp: 5000 }],
      ['r3', { actual: 'a', timestamp: 5000 }],
    ]);
    expect(searchPredictions(store.db, { model: 'm', feedback: 'without' }).predictions).toHaveLength(23);
    expect(predictionStats(store.db, 'm')).toMatchObject({ total: 25, with_feedback: 2, first_timestamp: 1000, last_timestamp: 1024 });
    expect(predictionStats(store.db, 'm').by_version.map((v) => [v.version, v.count, v.with_feedback])).toEqual([
      ['1', 10, 2],
      ['2', 15, 0],
    ]);
  });

  it('names the bad parameter', () => {
    expect(() => searchPredictions(store.db, { model: 'm', maxResults: 0 })).toThrow(/'max_results'.*1 to 1000/);
    expect(() => searchPredictions(store.db, { model: 'm', version: 'x' })).toThrow(/'version'/);
    expect(() => searchPredictions(store.db, { model: 'm', pageToken: 'garbage' })).toThrow(/'page_token'/);
  });

  it('feedback is all or nothing: an unknown id or a class for a regression stores nothing', () => {
    expect(() => recordFeedback(store.db, [{ request_id: 'r1', actual: 'a' }, { request_id: 'missing', actual: 'a' }])).toThrow(/No prediction with request_id missing; no feedback was stored/);
    expect(() => recordFeedback(store.db, [{ request_id: 'r1', actual: 'a' }, { request_id: 'reg', actual: 'big' }])).toThrow(/'feedback\[1\]\.actual'.*regression.*number/);
    expect(searchPredictions(store.db, { model: 'm', feedback: 'with' }).predictions).toEqual([]);
    expect(recordFeedback(store.db, [{ request_id: 'reg', actual: 3.25 }])).toEqual({ accepted: 1, replaced: 0 });
    expect(searchPredictions(store.db, { model: 'regressor' }).predictions[0]!.feedback?.actual).toBe(3.25);
  });

  it('parses single and batch bodies, naming the item and field that is wrong', () => {
    expect(parseFeedbackBody({ request_id: 'a', actual: 'x' })).toEqual([{ request_id: 'a', actual: 'x' }]);
    expect(parseFeedbackBody({ feedback: [{ request_id: 'a', value: 2 }, { request_id: 'b', label: true }] })).toEqual([
      { request_id: 'a', actual: 2 },
      { request_id: 'b', actual: 'true' },
    ]);
    expect(() => parseFeedbackBody([])).toThrow(/must be a JSON object/);
    expect(() => parseFeedbackBody({ feedback: [] })).toThrow(/'feedback': the array is empty/);
    expect(() => parseFeedbackBody({ feedback: [{ request_id: 'a', actual: 1 }, { actual: 1 }] })).toThrow(/'feedback\[1\]\.request_id'/);
    expect(() => parseFeedbackBody({ request_id: 'a', actual: 1, label: 'x' })).toThrow(/exactly one of them; got actual, label/);
    expect(() => parseFeedbackBody({ request_id: 'a', actual: { nested: 1 } })).toThrow(/'actual': expected a class/);
  });
});
