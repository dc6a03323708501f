import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, expectMlflowError, type WireExperiment } from './mlflow-fixtures.js';
import { cleanupTempDirs, startServer, stopAllServers, uniqueName, type ServerProcess } from './server-process.js';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

type Search = { experiments?: WireExperiment[]; next_page_token?: string };

async function getExperiment(id: string): Promise<WireExperiment> {
  const res = await server.get<{ experiment: WireExperiment }>('experiments/get', { experiment_id: id });
  expect(res.status, res.text).toBe(200);
  return res.body.experiment;
}

async function search(body: Record<string, unknown>): Promise<Search> {
  const res = await server.post<Search>('experiments/search', body);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

const names = (result: Search) => (result.experiments ?? []).map((e) => e.name);

describe('experiments', () => {
  it('has the Default experiment "0" in a fresh data directory', async () => {
    const experiment = await getExperiment('0');
    expect(experiment).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' });
    const byName = await server.get<{ experiment: WireExperiment }>('experiments/get-by-name', { experiment_name: 'Default' });
    expect(byName.status).toBe(200);
    expect(byName.body.experiment.experiment_id).toBe('0');
  });

  it('creates an experiment and reads it back by id and by name', async () => {
    const name = uniqueName('create');
    const before = Date.now();
    const res = await server.post<{ experiment_id: string }>('experiments/create', {
      name,
      tags: [{ key: 'team', value: 'vision' }],
    });
    expect(res.status, res.text).toBe(200);
    const id = res.body.experiment_id;
    expect(id).toMatch(/^\d+$/);
    expect(id).not.toBe('0');

    const experiment = await getExperiment(id);
    expect(experiment.name).toBe(name);
    expect(experiment.experiment_id).toBe(id);
    expect(experiment.lifecycle_stage).toBe('active');
    expect(experiment.tags).toEqual([{ key: 'team', value: 'vision' }]);
    expect(experiment.artifact_location).toContain(id);
    expect(experiment.creation_time).toBeGreaterThanOrEqual(before - 1000);
    expect(experiment.creation_time).toBeLessThanOrEqual(Date.now() + 1000);

    const byName = await server.get<{ experiment: WireExperiment }>('experiments/get-by-name', { experiment_name: name });
    expect(byName.status, byName.text).toBe(200);
    expect(byName.body.experiment).toEqual(experiment);
  });

  it('keeps an explicit artifact_location', async () => {
    const res = await server.post<{ experiment_id: string }>('experiments/create', {
      name: uniqueName('located'),
      artifact_location: 's3://bucket/somewhere',
    });
    expect(res.status, res.text).toBe(200);
    expect((await getExperiment(res.body.experiment_id)).artifact_location).toBe('s3://bucket/somewhere');
  });

  it('refuses a duplicate name with 400 RESOURCE_ALREADY_EXISTS', async () => {
    const name = uniqueName('dup');
    await createExperiment(server, name);
    const res = await server.post('experiments/create', { name });
    expectMlflowError(res, 400, 'RESOURCE_ALREADY_EXISTS', name);
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST for unknown ids and names', async () => {
    expectMlflowError(await server.get('experiments/get', { experiment_id: '987654' }), 404, 'RESOURCE_DOES_NOT_EXIST', '987654');
    expectMlflowError(
      await server.get('experiments/get-by-name', { experiment_name: 'no-such-experiment' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'no-such-experiment',
    );
    expectMlflowError(await server.post('experiments/delete', { experiment_id: '987654' }), 404, 'RESOURCE_DOES_NOT_EXIST', '987654');
    expectMlflowError(
      await server.post('experiments/update', { experiment_id: '987654', new_name: 'x' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      '987654',
    );
  });

  it('renames with experiments/update and refuses a name already taken', async () => {
    const id = await createExperiment(server, uniqueName('old'));
    const newName = uniqueName('renamed');
    const res = await server.post('experiments/update', { experiment_id: id, new_name: newName });
    expect(res.status, res.text).toBe(200);
    expect((await getExperiment(id)).name).toBe(newName);

    const taken = await createExperiment(server, uniqueName('taken'));
    const takenName = (await getExperiment(taken)).name;
    expectMlflowError(await server.post('experiments/update', { experiment_id: id, new_name: takenName }), 400, 'RESOURCE_ALREADY_EXISTS', takenName);
    expect((await getExperiment(id)).name).toBe(newName);
  });

  it('deletes and restores an experiment, and deleting Default is refused', async () => {
    const name = uniqueName('lifecycle');
    const id = await createExperiment(server, name);
    expect((await server.post('experiments/delete', { experiment_id: id })).status).toBe(200);
    expect((await getExperiment(id)).lifecycle_stage).toBe('deleted');
    expect(names(await search({ filter: `name = '${name}'`, view_type: 'ACTIVE_ONLY' }))).toEqual([]);
    expect(names(await search({ filter: `name = '${name}'`, view_type: 'DELETED_ONLY' }))).toEqual([name]);

    // A deleted experiment keeps its name: creating it again is refused.
    expectMlflowError(await server.post('experiments/create', { name }), 400, 'RESOURCE_ALREADY_EXISTS', name);

    expect((await server.post('experiments/restore', { experiment_id: id })).status).toBe(200);
    expect((await getExperiment(id)).lifecycle_stage).toBe('active');
    expect(names(await search({ filter: `name = '${name}'` }))).toEqual([name]);

    expectMlflowError(await server.post('experiments/delete', { experiment_id: '0' }), 400, 'INVALID_PARAMETER_VALUE');
    expect((await getExperiment('0')).lifecycle_stage).toBe('active');
  });

  it('sets experiment tags (and overwrites them)', async () => {
    const id = await createExperiment(server);
    const before = (await getExperiment(id)).last_update_time;
    for (const value of ['one', 'two']) {
      const res = await server.post('experiments/set-experiment-tag', { experiment_id: id, key: 'stage', value });
      expect(res.status, res.text).toBe(200);
    }
    const experiment = await getExperiment(id);
    expect(experiment.tags).toEqual([{ key: 'stage', value: 'two' }]);
    expect(experiment.last_update_time).toBeGreaterThanOrEqual(before);
    expectMlflowError(
      await server.post('experiments/set-experiment-tag', { experiment_id: id, key: 'k'.repeat(251), value: 'v' }),
      400,
      'INVALID_PARAMETER_VALUE',
      'key',
      '250',
    );
    expectMlflowError(
      await server.post('experiments/set-experiment-tag', { experiment_id: id, key: 'long', value: 'v'.repeat(5001) }),
      400,
      'INVALID_PARAMETER_VALUE',
      'long',
      '5000',
    );
    expect((await getExperiment(id)).tags).toEqual([{ key: 'stage', value: 'two' }]);
    expectMlflowError(
      await server.post('experiments/set-experiment-tag', { experiment_id: '987654', key: 'k', value: 'v' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      '987654',
    );
  });
});

describe('experiments/search', () => {
  const prefix = uniqueName('srch');
  const created: Record<string, string> = {};

  beforeAll(async () => {
    // Created in this order so creation order differs from name order.
    for (const [suffix, team] of [
      ['charlie', 'vision'],
      ['Alpha', 'nlp'],
      ['bravo', 'vision'],
      ['delta', 'nlp'],
    ] as const) {
      created[suffix] = await createExperiment(server, `${prefix}-${suffix}`, [{ key: 'team', value: team }]);
      // Distinct creation times make the creation_time ordering assertions unambiguous.
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const res = await server.post('experiments/delete', { experiment_id: created.delta });
    expect(res.status).toBe(200);
  });

  it('filters on name with LIKE (case-sensitive) and ILIKE (case-insensitive)', async () => {
    expect(names(await search({ filter: `name LIKE '${prefix}-%r%'`, order_by: ['name ASC'] }))).toEqual([
      `${prefix}-bravo`,
      `${prefix}-charlie`,
    ]);
    expect(names(await search({ filter: `name LIKE '${prefix}-A%'` }))).toEqual([`${prefix}-Alpha`]);
    expect(names(await search({ filter: `name LIKE '${prefix}-a%'` }))).toEqual([]);
    expect(names(await search({ filter: `name ILIKE '${prefix.toUpperCase()}-A%'` }))).toEqual([`${prefix}-Alpha`]);
    expect(names(await search({ filter: `attributes.name = '${prefix}-bravo'` }))).toEqual([`${prefix}-bravo`]);
  });

  it('filters on tags, combined with AND', async () => {
    expect(names(await search({ filter: `name LIKE '${prefix}%' AND tags.team = 'vision'`, order_by: ['name DESC'] }))).toEqual([
      `${prefix}-charlie`,
      `${prefix}-bravo`,
    ]);
    expect(names(await search({ filter: `name LIKE '${prefix}%' AND tags.team != 'vision'` }))).toEqual([`${prefix}-Alpha`]);
  });

  it('orders by name and by creation_time', async () => {
    const filter = `name LIKE '${prefix}%'`;
    expect(names(await search({ filter, order_by: ['name ASC'] }))).toEqual([`${prefix}-Alpha`, `${prefix}-bravo`, `${prefix}-charlie`]);
    expect(names(await search({ filter, order_by: ['creation_time ASC'] }))).toEqual([`${prefix}-charlie`, `${prefix}-Alpha`, `${prefix}-bravo`]);
    expect(names(await search({ filter, order_by: ['creation_time DESC'] }))).toEqual([`${prefix}-bravo`, `${prefix}-Alpha`, `${prefix}-charlie`]);
  });

  it('honours view_type', async () => {
    const filter = `name LIKE '${prefix}%'`;
    expect(names(await search({ filter, view_type: 'DELETED_ONLY' }))).toEqual([`${prefix}-delta`]);
    expect(names(await search({ filter, view_type: 'ALL', order_by: ['name ASC'] }))).toEqual([
      `${prefix}-Alpha`,
      `${prefix}-bravo`,
      `${prefix}-charlie`,
      `${prefix}-delta`,
    ]);
    expect(names(await search({ filter }))).not.toContain(`${prefix}-delta`);
  });

  it('accepts GET with parameters in the query string', async () => {
    const res = await server.get<Search>('experiments/search', {
      filter: `name LIKE '${prefix}%'`,
      order_by: ['name DESC'],
      max_results: '2',
      view_type: 'ALL',
    });
    expect(res.status, res.text).toBe(200);
    expect(names(res.body)).toEqual([`${prefix}-delta`, `${prefix}-charlie`]);
    expect(res.body.next_page_token).toBeTruthy();
  });

  it('pages with max_results and page_token, each experiment exactly once', async () => {
    const pagePrefix = uniqueName('page');
    const expected: string[] = [];
    for (let i = 0; i < 11; i++) {
      const name = `${pagePrefix}-${String(i).padStart(2, '0')}`;
      await createExperiment(server, name);
      expected.push(name);
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await search({ filter: `name LIKE '${pagePrefix}%'`, order_by: ['name ASC'], max_results: 4, ...(token ? { page_token: token } : {}) });
      pages += 1;
      expect((page.experiments ?? []).length).toBeLessThanOrEqual(4);
      seen.push(...names(page));
      token = page.next_page_token || undefined;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
  });

  it('includes Default in an unfiltered search', async () => {
    const res = await search({ max_results: 1000 });
    expect(res.experiments?.some((e) => e.experiment_id === '0' && e.name === 'Default')).toBe(true);
  });

  it('rejects a bad filter and a bad max_results with 400 naming the parameter', async () => {
    expectMlflowError(await server.post('experiments/search', { filter: 'name = ' }), 400, 'INVALID_PARAMETER_VALUE', 'filter', /position \d+/);
    expectMlflowError(await server.post('experiments/search', { filter: "metrics.acc > 1" }), 400, 'INVALID_PARAMETER_VALUE', 'filter');
    expectMlflowError(await server.post('experiments/search', { max_results: 'x' }), 400, 'INVALID_PARAMETER_VALUE', 'max_results');
    expectMlflowError(await server.post('experiments/search', { view_type: 'SOMETIMES' }), 400, 'INVALID_PARAMETER_VALUE', 'view_type');
  });
});
