import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunRow } from '../../../../shared/app-api/entities';
import type { OperationInput } from '../../../../shared/app-api/operations';

/** A fake `runs.page` over N runs: newest first, `metrics.acc > X` filters, and it logs every request. */
const server = vi.hoisted(() => ({
  total: 0,
  requests: [] as Array<{ offset: number; limit: number; filter?: string }>,
  /** runs.columns calls, and runs.page calls that asked the server to pick the columns. */
  columnsCalls: 0,
  picked: 0,
  delays: new Map<string, Promise<void>>(),
}));

vi.mock('../../api/app-client', () => {
  class ApiError extends Error {
    constructor(
      readonly code: string,
      message: string,
    ) {
      super(message);
    }
  }
  const row = (i: number): RunRow => ({
    runId: `run-${i}`,
    runName: `run ${i}`,
    experimentId: '1',
    status: 'FINISHED',
    lifecycleStage: 'active',
    startTime: i,
    endTime: i + 1,
    params: {},
    metrics: { acc: i / server.total },
    tags: {},
  });
  return {
    ApiError,
    call: async (name: string, input: OperationInput<'runs.page'>) => {
      const keys = { metrics: ['acc'], params: ['lr'], tags: [] };
      if (name === 'runs.columns') {
        server.columnsCalls++;
        return keys;
      }
      if (input.pickColumns) server.picked++;
      server.requests.push({ offset: input.offset, limit: input.limit, filter: input.filter });
      await server.delays.get(input.filter ?? '');
      if (input.filter?.includes('>>')) throw new ApiError('INVALID_PARAMETER_VALUE', "Invalid value for parameter 'filter': Invalid filter at position 9: bad");
      // Newest first; the filter keeps the upper half of the runs.
      const total = input.filter ? Math.ceil(server.total / 2) - 1 : server.total;
      const count = Math.max(0, Math.min(input.limit, total - input.offset));
      const rows = Array.from({ length: count }, (_, k) => row(server.total - 1 - input.offset - k));
      return input.pickColumns ? { total, rows, picked: { columns: keys, keys } } : { total, rows };
    },
  };
});

const store = await import('./runs-data-store');
const { useRunsData, WINDOW_SIZE, rowAt } = store;

beforeEach(async () => {
  server.total = 50_000;
  server.requests = [];
  server.columnsCalls = 0;
  server.picked = 0;
  server.delays.clear();
  await store.openExperiment('1');
});

describe('runs data store', () => {
  it('opens an experiment seen for the first time with one request: the server picks the columns', () => {
    // No stored columns and no keys from an earlier visit (no localStorage here).
    expect(server.picked).toBe(1);
    expect(server.columnsCalls).toBe(0);
    expect(useRunsData.getState().available).toEqual({ metrics: ['acc'], params: ['lr'], tags: [] });
    expect(useRunsData.getState().query?.columns).toEqual({ metrics: ['acc'], params: ['lr'], tags: [] });
  });

  it('opens with default columns and only the first window', () => {
    const state = useRunsData.getState();
    expect(state.total).toBe(50_000);
    expect(state.query?.columns).toEqual({ metrics: ['acc'], params: ['lr'], tags: [] });
    expect([...state.windows.keys()]).toEqual([0]);
    expect(server.requests).toEqual([{ offset: 0, limit: WINDOW_SIZE, filter: undefined }]);
  });

  it('fetches just the windows around a deep scroll position, once', async () => {
    store.ensureRange(30_010, 30_040);
    store.ensureRange(30_012, 30_042);
    await vi.waitFor(() => expect(useRunsData.getState().windows.has(150)).toBe(true));
    expect(server.requests.slice(1).map((r) => r.offset)).toEqual([149 * WINDOW_SIZE, 150 * WINDOW_SIZE]);
    expect(rowAt(useRunsData.getState().windows, 30_020)?.runId).toBe(`run-${50_000 - 1 - 30_020}`);
  });

  it('keeps a bounded cache while scrolling through everything', async () => {
    for (let start = 0; start < 50_000; start += 3_000) {
      store.ensureRange(start, start + 30);
      await vi.waitFor(() => expect(rowAt(useRunsData.getState().windows, start)).toBeDefined());
    }
    expect(useRunsData.getState().windows.size).toBeLessThanOrEqual(12);
  });

  it('drops the answer of a query overtaken by a newer one', async () => {
    let release!: () => void;
    server.delays.set('metrics.acc > 0', new Promise<void>((resolve) => (release = resolve)));
    const slow = store.applyFilter('metrics.acc > 0');
    await store.applyFilter('metrics.acc > 0.5');
    release();
    await slow;
    expect(useRunsData.getState().query?.filter).toBe('metrics.acc > 0.5');
    expect(useRunsData.getState().total).toBe(24_999);
  });

  it('keeps the rows and reports the position when the server refuses a filter', async () => {
    await store.applyFilter('metrics.a >> 1');
    const state = useRunsData.getState();
    expect(state.filterError).toMatchObject({ position: 9, filter: 'metrics.a >> 1' });
    expect(state.query?.filter).toBe('');
    expect(state.total).toBe(50_000);
    expect(state.windows.get(0)).toHaveLength(WINDOW_SIZE);
  });

  it('a live refresh takes the new total and refetches only the windows on screen', async () => {
    store.ensureRange(0, 30);
    server.total = 50_003;
    server.requests = [];
    await store.refreshVisible();
    const state = useRunsData.getState();
    expect(state.total).toBe(50_003);
    expect(server.requests.map((r) => r.offset)).toEqual([0]);
    expect(rowAt(state.windows, 0)?.runId).toBe('run-50002');
  });
});
