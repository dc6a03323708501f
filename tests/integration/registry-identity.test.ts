/**
 * Who reviewed and who moved an alias, over real HTTP on a server with named tokens: the token's
 * name is recorded, never a name the caller sends (body `reviewer`, header X-MLDesk-User); and
 * the four-eyes setting refuses champion to a version only its author approved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExperiment, createRun, expectMlflowError } from './mlflow-fixtures.js';
import { cleanupTempDirs, runCli, startServer, stopAllServers, uniqueName, type ApiClient, type ServerProcess } from './server-process.js';

const MLDESK = '/api/2.0/mldesk';
const ANA = 'secret-ana-6c1f';
const BO = 'secret-bo-93d2';
let server: ServerProcess;
let ana: ApiClient;
let bo: ApiClient;

beforeAll(async () => {
  server = await startServer({ args: ['--token', `ana=${ANA}`, '--token', `bo=${BO}`] });
  ana = server.client(undefined, { authorization: `Bearer ${ANA}` });
  bo = server.client(undefined, { authorization: `Bearer ${BO}` });
});

afterAll(async () => {
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

/** A version of a new model, trained and registered by ana. */
async function anasVersion(): Promise<string> {
  const experimentId = await createExperiment(ana);
  const run = await createRun(ana, experimentId, { user_id: 'ana' });
  const name = uniqueName('churn');
  expect((await ana.post('registered-models/create', { name })).status).toBe(200);
  const created = await ana.post('model-versions/create', { name, source: `runs:/${run.info.run_id}/model`, run_id: run.info.run_id });
  expect(created.status, created.text).toBe(200);
  return name;
}

async function appApi<T>(client: ApiClient, operation: string, input: unknown): Promise<{ status: number; body: { ok: boolean; value?: T; error?: { message: string } } }> {
  const res = await client.post<{ ok: boolean; value?: T; error?: { message: string } }>(`/app-api/${operation}`, input);
  return { status: res.status, body: res.body };
}

describe('identities on a server with named tokens', () => {
  it("records the token's name as reviewer and actor; the name sent in the body or header is a display name only", async () => {
    const name = await anasVersion();
    const reviewed = await ana.post(`${MLDESK}/model-versions/review`, { name, version: '1', decision: 'approved', reviewer: 'bo' }, { 'x-mldesk-user': 'bo' });
    expect(reviewed.status, reviewed.text).toBe(200);
    expect(reviewed.body).toMatchObject({ review: { reviewer_identity: 'ana', reviewer_display: 'bo' } });

    const moved = await ana.post('registered-models/alias', { name, alias: 'champion', version: '1', reason: 'ship' }, { 'x-mldesk-user': 'bo' });
    expect(moved.status, moved.text).toBe(200);
    const history = await bo.get<{ entries: Array<Record<string, unknown>> }>(`${MLDESK}/registered-models/alias-history`, { name });
    expect(history.body.entries).toEqual([expect.objectContaining({ actor_identity: 'ana', actor_display: 'bo', reason: 'ship' })]);

    // The app API, as the browser calls it, after logging in with bo's token.
    const login = await fetch(`${server.url}/login?token=${BO}`, { redirect: 'manual' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const browser = server.client(undefined, { cookie });
    const viaApp = await appApi<{ review: Record<string, unknown> }>(browser, 'models.review', { name, version: '1', decision: 'rejected', reviewer: 'ana' });
    expect(viaApp.status).toBe(200);
    expect(viaApp.body.value!.review).toMatchObject({ reviewerIdentity: 'bo', reviewerDisplay: 'ana', decision: 'rejected' });
  });

  it('refuses champion when four-eyes is on and only the author approved, naming the rule; another token holder unlocks it', async () => {
    const name = await anasVersion();
    const on = await appApi<{ settings: Record<string, unknown> }>(bo, 'models.updateSettings', { fourEyes: true });
    expect(on.body.value!.settings).toMatchObject({ fourEyes: true, updatedBy: 'bo' });
    try {
      // Ana approves her own version, claiming to be bo in every way a caller can.
      const self = await ana.post(`${MLDESK}/model-versions/review`, { name, version: '1', decision: 'approved', reviewer: 'bo' }, { 'x-mldesk-user': 'bo' });
      expect(self.status, self.text).toBe(200);
      const refused = await ana.post('registered-models/alias', { name, alias: 'champion', version: '1', reason: 'ship' });
      expectMlflowError(refused, 400, 'INVALID_PARAMETER_VALUE', "four-eyes review is on: a reviewer must differ from the version's author (ana), and its approvals come only from ana; someone else must approve it");
      const viaApp = await appApi(ana, 'models.setAlias', { name, alias: 'champion', version: '1', reason: 'ship' });
      expect(viaApp.status).toBe(400);
      expect(viaApp.body.error!.message).toMatch(/^Field 'version': .* four-eyes review is on/);

      expect((await bo.post(`${MLDESK}/model-versions/review`, { name, version: '1', decision: 'approved' })).status).toBe(200);
      const allowed = await ana.post('registered-models/alias', { name, alias: 'champion', version: '1', reason: 'ship' });
      expect(allowed.status, allowed.text).toBe(200);
    } finally {
      await appApi(bo, 'models.updateSettings', { fourEyes: false });
    }
  });

  it('shows and changes the setting from the CLI', async () => {
    const set = await runCli(['models', 'settings', '--four-eyes', 'on', '--data-dir', server.dataDir!, '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ ok: true, settings: { four_eyes: true } });
    const shown = await runCli(['models', 'settings', '--data-dir', server.dataDir!]);
    expect(shown.stdout).toMatch(/^Four-eyes review: on \(set by .+ on \d{4}-/);
    expect((await bo.get(`${MLDESK}/registry/settings`)).body).toMatchObject({ settings: { four_eyes: true } });
    const off = await runCli(['models', 'settings', '--four-eyes', 'maybe', '--data-dir', server.dataDir!]);
    expect(off.code).toBe(2);
    expect(off.stderr).toContain("'maybe' is not on or off");
    expect((await runCli(['models', 'settings', '--four-eyes', 'off', '--data-dir', server.dataDir!])).code).toBe(0);
  });

  it('changes the setting over REST under the caller\'s identity, refusing a value that is not a flag', async () => {
    const set = await bo.request<{ settings: Record<string, unknown> }>('PATCH', `${MLDESK}/registry/settings`, { body: { four_eyes: true } });
    expect(set.status, set.text).toBe(200);
    expect(set.body.settings).toMatchObject({ four_eyes: true, updated_by: 'bo' });
    expectMlflowError(await bo.request('PATCH', `${MLDESK}/registry/settings`, { body: { four_eyes: 'sometimes' } }), 400, 'INVALID_PARAMETER_VALUE', 'four_eyes');
    expect((await bo.request('PATCH', `${MLDESK}/registry/settings`, { body: { four_eyes: false } })).status).toBe(200);
  });
});
