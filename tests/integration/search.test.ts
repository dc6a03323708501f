import { beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectMlflowError, latestMetric, logBatch, metric, type WireRun } from './mlflow-fixtures.js';
import { BASE_TIME, useServer, type ServerProcess } from './server-process.js';

let server: ServerProcess;
let experimentId: string;
/** run name -> run id */
const ids: Record<string, string> = {};

type SearchResult = { runs?: WireRun[]; next_page_token?: string };

async function searchRuns(body: Record<string, unknown>): Promise<SearchResult> {
  const res = await server.post<SearchResult>('runs/search', { experiment_ids: [experimentId], ...body });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Names of the runs matched, in the server's order. */
async function names(body: Record<string, unknown>): Promise<string[]> {
  return ((await searchRuns(body)).runs ?? []).map((run) => run.info.run_name);
}

async function sortedNames(filter: string): Promise<string[]> {
  return (await names({ filter })).sort();
}

interface Seed {
  name: string;
  status: 'FINISHED' | 'RUNNING' | 'FAILED';
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

const SEEDS: Seed[] = [
  { name: 'alpha-1', status: 'FINISHED', metrics: { acc: 0.9, loss: 0.1 }, params: { lr: '0.01', model: 'resnet' }, tags: { team: 'vision' } },
  { name: 'alpha-2', status: 'FINISHED', metrics: { acc: 0.7, loss: 0.3 }, params: { lr: '0.001', model: 'ResNet-50' }, tags: { team: 'nlp' } },
  { name: 'beta-1', status: 'RUNNING', metrics: { acc: 0.5 }, params: { lr: '0.1', model: 'vit' }, tags: { team: 'vision' } },
  { name: 'beta-2', status: 'FAILED', metrics: { loss: 0.2 }, params: { lr: '0.01' }, tags: { team: 'nlp', 'data set': 'imagenet v2' } },
  {
    name: 'gamma',
    status: 'FINISHED',
    metrics: { acc: 0.95, 'val loss': 0.4 },
    params: { lr: '0.05', 'batch size': '64' },
    tags: { team: 'vision' },
  },
];

useServer(async (started) => {
  server = started;
  experimentId = await createExperiment(server);
  for (const [index, seed] of SEEDS.entries()) {
    const run = await createRun(server, experimentId, {
      run_name: seed.name,
      start_time: BASE_TIME + index + 1,
      tags: Object.entries(seed.tags).map(([key, value]) => ({ key, value })),
    });
    ids[seed.name] = run.info.run_id;
    await logBatch(server, run.info.run_id, {
      metrics: Object.entries(seed.metrics).map(([key, value]) => metric(key, value)),
      params: Object.entries(seed.params).map(([key, value]) => ({ key, value })),
    });
    if (seed.status !== 'RUNNING') {
      const res = await server.post('runs/update', { run_id: run.info.run_id, run_uuid: run.info.run_id, status: seed.status, end_time: BASE_TIME + 100 });
      expect(res.status).toBe(200);
    }
  }
  // A deleted run that would match most filters.
  const deleted = await createRun(server, experimentId, { run_name: 'deleted', start_time: BASE_TIME + 50, tags: [{ key: 'team', value: 'vision' }] });
  ids.deleted = deleted.info.run_id;
  await logBatch(server, deleted.info.run_id, { metrics: [metric('acc', 0.99)], params: [{ key: 'lr', value: '0.01' }] });
  expect((await server.post('runs/delete', { run_id: deleted.info.run_id })).status).toBe(200);
});

describe('runs/search filters', () => {
  it('compares metrics with = != > >= < <=', async () => {
    expect(await sortedNames('metrics.acc > 0.6')).toEqual(['alpha-1', 'alpha-2', 'gamma']);
    expect(await sortedNames('metrics.acc >= 0.9')).toEqual(['alpha-1', 'gamma']);
    expect(await sortedNames('metrics.acc < 0.7')).toEqual(['beta-1']);
    expect(await sortedNames('metrics.acc <= 0.7')).toEqual(['alpha-2', 'beta-1']);
    expect(await sortedNames('metrics.acc = 0.5')).toEqual(['beta-1']);
    // Runs without the metric never match a metric comparison, not even !=.
    expect(await sortedNames('metrics.acc != 0.5')).toEqual(['alpha-1', 'alpha-2', 'gamma']);
  });

  it('compares params and tags with = != LIKE ILIKE', async () => {
    expect(await sortedNames("params.lr = '0.01'")).toEqual(['alpha-1', 'beta-2']);
    expect(await sortedNames("params.lr != '0.01'")).toEqual(['alpha-2', 'beta-1', 'gamma']);
    expect(await sortedNames("params.model LIKE 'res%'")).toEqual(['alpha-1']);
    expect(await sortedNames("params.model ILIKE 'res%'")).toEqual(['alpha-1', 'alpha-2']);
    expect(await sortedNames("params.model LIKE '%Net-__'")).toEqual(['alpha-2']);
    expect(await sortedNames("tags.team = 'vision'")).toEqual(['alpha-1', 'beta-1', 'gamma']);
    expect(await sortedNames("tags.team != 'vision'")).toEqual(['alpha-2', 'beta-2']);
    expect(await sortedNames("tags.team ILIKE 'VIS%'")).toEqual(['alpha-1', 'beta-1', 'gamma']);
  });

  it('filters on attributes: status, run_name, start_time, run_id IN (...)', async () => {
    expect(await sortedNames("attributes.status = 'FINISHED'")).toEqual(['alpha-1', 'alpha-2', 'gamma']);
    expect(await sortedNames("attributes.status != 'FINISHED'")).toEqual(['beta-1', 'beta-2']);
    expect(await sortedNames("attributes.run_name LIKE 'alpha%'")).toEqual(['alpha-1', 'alpha-2']);
    expect(await sortedNames("attributes.run_name ILIKE 'BETA%'")).toEqual(['beta-1', 'beta-2']);
    expect(await sortedNames(`attributes.start_time >= ${BASE_TIME + 3}`)).toEqual(['beta-1', 'beta-2', 'gamma']);
    expect(await sortedNames(`attributes.start_time < ${BASE_TIME + 2}`)).toEqual(['alpha-1']);
    expect(await sortedNames(`attributes.run_id IN ('${ids['alpha-2']}', '${ids.gamma}')`)).toEqual(['alpha-2', 'gamma']);
    expect(await sortedNames(`attributes.run_id = '${ids['beta-1']}'`)).toEqual(['beta-1']);
  });

  it('combines clauses with AND', async () => {
    expect(await sortedNames("metrics.acc > 0.6 AND params.lr = '0.01' AND tags.team = 'vision'")).toEqual(['alpha-1']);
    expect(await sortedNames("metrics.loss < 0.5 and attributes.status = 'FINISHED'")).toEqual(['alpha-1', 'alpha-2']);
    expect(await sortedNames("metrics.acc > 0.99 AND params.lr = '0.01'")).toEqual([]);
  });

  it('accepts backtick-quoted keys with spaces and dots', async () => {
    expect(await sortedNames('metrics.`val loss` < 0.5')).toEqual(['gamma']);
    expect(await sortedNames("params.`batch size` = '64'")).toEqual(['gamma']);
    expect(await sortedNames("tags.`data set` LIKE 'imagenet%'")).toEqual(['beta-2']);
    expect(await sortedNames("tags.`mlflow.runName` = 'beta-1'")).toEqual(['beta-1']);
  });

  it('honours run_view_type', async () => {
    expect(await sortedNames('metrics.acc > 0.98')).toEqual([]);
    expect(await names({ filter: 'metrics.acc > 0.98', run_view_type: 'DELETED_ONLY' })).toEqual(['deleted']);
    expect((await names({ filter: "tags.team = 'vision'", run_view_type: 'ALL' })).sort()).toEqual(['alpha-1', 'beta-1', 'deleted', 'gamma']);
    expect(await names({ run_view_type: 'DELETED_ONLY' })).toEqual(['deleted']);
  });

  it('rejects bad filter syntax with 400 and the position of the problem', async () => {
    expectMlflowError(await server.post('runs/search', { experiment_ids: [experimentId], filter: 'metrics.acc >> 1' }), 400, 'INVALID_PARAMETER_VALUE', 'filter', 'position 13');
    expectMlflowError(
      await server.post('runs/search', { experiment_ids: [experimentId], filter: "metrics.acc > 1 OR params.lr = '0.1'" }),
      400,
      'INVALID_PARAMETER_VALUE',
      'position 16',
    );
    expectMlflowError(await server.post('runs/search', { experiment_ids: [experimentId], filter: "params.lr = 'unterminated" }), 400, 'INVALID_PARAMETER_VALUE', 'position 12');
    expectMlflowError(await server.post('runs/search', { experiment_ids: [experimentId], filter: "metrics.acc > 'high'" }), 400, 'INVALID_PARAMETER_VALUE', 'acc', /position \d+/);
    expectMlflowError(await server.post('runs/search', { experiment_ids: [experimentId], order_by: ['metrics.acc SIDEWAYS'] }), 400, 'INVALID_PARAMETER_VALUE', 'order_by');
  });
});

describe('runs/search ordering', () => {
  it('orders by a metric DESC and ASC, runs without the metric last', async () => {
    expect(await names({ order_by: ['metrics.acc DESC'] })).toEqual(['gamma', 'alpha-1', 'alpha-2', 'beta-1', 'beta-2']);
    expect(await names({ order_by: ['metrics.acc ASC'] })).toEqual(['beta-1', 'alpha-2', 'alpha-1', 'gamma', 'beta-2']);
    expect(await names({ order_by: ['metrics.`val loss` DESC'] })).toHaveLength(5);
    expect((await names({ order_by: ['metrics.`val loss` DESC'] }))[0]).toBe('gamma');
  });

  it('orders by params (string order) with later clauses breaking ties', async () => {
    expect(await names({ order_by: ['params.lr ASC', 'attributes.start_time ASC'] })).toEqual(['alpha-2', 'alpha-1', 'beta-2', 'gamma', 'beta-1']);
    expect(await names({ order_by: ['params.lr DESC', 'attributes.start_time DESC'] })).toEqual(['beta-1', 'gamma', 'beta-2', 'alpha-1', 'alpha-2']);
  });

  it('orders by attributes.start_time, newest first by default', async () => {
    expect(await names({ order_by: ['attributes.start_time ASC'] })).toEqual(['alpha-1', 'alpha-2', 'beta-1', 'beta-2', 'gamma']);
    expect(await names({ order_by: ['attributes.start_time DESC'] })).toEqual(['gamma', 'beta-2', 'beta-1', 'alpha-2', 'alpha-1']);
    expect(await names({})).toEqual(['gamma', 'beta-2', 'beta-1', 'alpha-2', 'alpha-1']);
  });

  it('returns each run with its latest metrics, params and tags', async () => {
    const result = await searchRuns({ filter: "attributes.run_name = 'gamma'" });
    const gamma = result.runs?.[0];
    expect(gamma?.info.run_id).toBe(ids.gamma);
    expect(latestMetric(gamma!, 'val loss')?.value).toBe(0.4);
    expect(gamma!.data.params).toEqual(expect.arrayContaining([{ key: 'batch size', value: '64' }]));
    expect(gamma!.data.tags).toEqual(expect.arrayContaining([{ key: 'team', value: 'vision' }]));
  });
});

describe('runs/search max_results and paging', () => {
  const RUNS = 1003;
  let pagingExperiment: string;
  const created = new Set<string>();

  beforeAll(async () => {
    pagingExperiment = await createExperiment(server);
    // Several runs share each start_time and bucket: paging must not depend on unique sort keys.
    const jobs = Array.from({ length: RUNS }, (_, i) => i);
    const workers = Array.from({ length: 4 }, async () => {
      for (let i = jobs.shift(); i !== undefined; i = jobs.shift()) {
        const run = await createRun(server, pagingExperiment, {
          run_name: `p-${i}`,
          start_time: BASE_TIME + (i % 7),
          tags: [{ key: 'bucket', value: `b${i % 5}` }],
        });
        created.add(run.info.run_id);
      }
    });
    await Promise.all(workers);
    expect(created.size).toBe(RUNS);
    // One run gets 1000 metrics in a single log-batch call.
    const wide = [...created][0]!;
    await logBatch(server, wide, { metrics: Array.from({ length: 1000 }, (_, k) => metric(`k${k}`, k)) });
  });

  it('returns at most 1000 runs by default, with a next_page_token', async () => {
    const res = await server.post<SearchResult>('runs/search', { experiment_ids: [pagingExperiment] });
    expect(res.status).toBe(200);
    expect(res.body.runs).toHaveLength(1000);
    expect(res.body.next_page_token).toBeTruthy();
  });

  it('accepts max_results 50000 and rejects 50001', async () => {
    const res = await server.post<SearchResult>('runs/search', { experiment_ids: [pagingExperiment], max_results: 50000 });
    expect(res.status, res.text).toBe(200);
    expect(res.body.runs).toHaveLength(RUNS);
    expect(res.body.next_page_token ?? '').toBe('');
    expectMlflowError(
      await server.post('runs/search', { experiment_ids: [pagingExperiment], max_results: 50001 }),
      400,
      'INVALID_PARAMETER_VALUE',
      'max_results',
    );
  });

  it.each([
    { order_by: [] as string[], pageSize: 300 },
    { order_by: ['tags.bucket DESC'], pageSize: 251 },
    { order_by: ['attributes.start_time ASC'], pageSize: 400 },
  ])('pages through every run exactly once (order_by $order_by)', async ({ order_by, pageSize }) => {
    const seen: string[] = [];
    const buckets: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await server.post<SearchResult>('runs/search', {
        experiment_ids: [pagingExperiment],
        max_results: pageSize,
        order_by,
        ...(token ? { page_token: token } : {}),
      });
      expect(res.status, res.text).toBe(200);
      const runs = res.body.runs ?? [];
      expect(runs.length).toBeLessThanOrEqual(pageSize);
      seen.push(...runs.map((run) => run.info.run_id));
      buckets.push(...runs.map((run) => run.data.tags?.find((t) => t.key === 'bucket')?.value ?? ''));
      token = res.body.next_page_token || undefined;
      pages += 1;
    } while (token && pages < 20);
    expect(pages).toBe(Math.ceil(RUNS / pageSize));
    expect(seen).toHaveLength(RUNS);
    expect(new Set(seen)).toEqual(created);
    if (order_by[0] === 'tags.bucket DESC') expect(buckets).toEqual([...buckets].sort().reverse());
  });

  it('loads all 1000 latest metrics of a run logged in one batch, and filters on one of them', async () => {
    const result = await server.post<SearchResult>('runs/search', { experiment_ids: [pagingExperiment], filter: 'metrics.k999 = 999' });
    expect(result.status, result.text).toBe(200);
    expect(result.body.runs).toHaveLength(1);
    expect(result.body.runs![0]!.data.metrics).toHaveLength(1000);
  });

  it('searches several experiments at once', async () => {
    const res = await server.post<SearchResult>('runs/search', {
      experiment_ids: [experimentId, pagingExperiment],
      filter: "attributes.run_name = 'p-1'",
    });
    expect(res.status, res.text).toBe(200);
    expect((res.body.runs ?? []).map((r) => r.info.run_name)).toEqual(['p-1']);
    const union = await server.post<SearchResult>('runs/search', { experiment_ids: [experimentId, pagingExperiment], max_results: 50000 });
    expect(union.status).toBe(200);
    expect(union.body.runs).toHaveLength(RUNS + SEEDS.length);
  });
});
