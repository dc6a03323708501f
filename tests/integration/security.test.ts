import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startServer as startEmbeddedServer } from '../../electron/cli/serve-command.js';
import { LAUNCH_SECRET_HEADER, newLaunchSecret, windowRequestHeaders } from '../../electron/server/launch-secret.js';
import { createExperiment, createRun, expectMlflowError, getRun } from './mlflow-fixtures.js';
import { rawRequest } from './raw-http.js';
import { ARTIFACTS_PREFIX, BASE_TIME, makeTempDir, MLFLOW_PREFIX, runCli, startServer, uniqueName, useServer, type ServerProcess } from './server-process.js';

let server: ServerProcess;
let experimentId: string;

useServer(async (started) => {
  server = started;
  experimentId = await createExperiment(server);
});

describe('cross-origin requests', () => {
  it('refuses a write sent by another web page (text/plain needs no CORS preflight) and stores nothing', async () => {
    const run = await createRun(server, experimentId);
    const res = await server.post(
      'runs/set-tag',
      JSON.stringify({ run_id: run.info.run_id, key: 'planted', value: 'by evil.example' }),
      { origin: 'http://evil.example', 'content-type': 'text/plain' },
    );
    expect(res.status).toBe(403);
    expect((res.body as { message: string }).message).toMatch(/Cross-origin request from http:\/\/evil\.example refused/);
    const stored = await getRun(server, run.info.run_id);
    expect(stored.data.tags?.find((t) => t.key === 'planted')).toBeUndefined();
  });

  it('accepts requests from the UI served on the same origin', async () => {
    const res = await server.post('experiments/search', { max_results: 5 }, { origin: server.baseUrl });
    expect(res.status).toBe(200);
  });
});

describe('field names in errors of single-item endpoints', () => {
  it("log-metric names the request's own 'key' field", async () => {
    const run = await createRun(server, experimentId);
    const res = await server.post('runs/log-metric', { run_id: run.info.run_id, run_uuid: run.info.run_id, key: 'bad..key/../x', value: 1, timestamp: BASE_TIME, step: 0 });
    const error = expectMlflowError(res, 400, 'INVALID_PARAMETER_VALUE');
    expect(error.message).toMatch(/^Field 'key':/);
  });

  it('counts length limits in characters as MLflow does, so emoji count once', async () => {
    const run = await createRun(server, experimentId);
    const emojiValue = '🚀'.repeat(6000);
    const ok = await server.post('runs/log-parameter', { run_id: run.info.run_id, key: 'rockets', value: emojiValue });
    expect(ok.status, ok.text).toBe(200);
    const tooLong = await server.post('runs/log-parameter', { run_id: run.info.run_id, key: 'more_rockets', value: `${emojiValue}🚀` });
    const error = expectMlflowError(tooLong, 400, 'INVALID_PARAMETER_VALUE');
    expect(error.message).toMatch(/^Field 'value':.*length 6001/);
  });
});

describe('artifact proxy: writes and deletes stay inside one run', () => {
  let runId: string;
  let runRoot: string;
  const artifactsDir = () => join(server.dataDir!, 'artifacts');

  const put = (path: string, body = 'x') => rawRequest(server.url, 'PUT', `${ARTIFACTS_PREFIX}/${path}`, { body, headers: { 'content-type': 'application/octet-stream' } });
  const del = (path: string) => rawRequest(server.url, 'DELETE', `${ARTIFACTS_PREFIX}/${path}`);
  const indexed = (): string[] => {
    const db = new Database(join(server.dataDir!, 'mldesk.db'), { readonly: true });
    try {
      return (db.prepare('SELECT a.path FROM artifacts a JOIN runs r USING (run_pk) WHERE r.run_uuid = ? ORDER BY a.path').pluck().all(runId) as string[]).sort();
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    runId = (await createRun(server, experimentId)).info.run_id;
    runRoot = `${experimentId}/${runId}/artifacts`;
    for (const path of ['model/MLmodel', 'plots/a.png', 'plots/b.png', 'plots-old.txt', 'plots/deep/c.png']) {
      expect((await put(`${runRoot}/${path}`, path)).status).toBe(200);
    }
  });

  it('refuses the artifact root, an experiment folder and a run folder (however spelled) with 400 naming the path, deleting nothing', async () => {
    const otherExperiment = await createExperiment(server);
    const odd = [
      '%2E', '.', './', '%2F', '%2E%2F', '%2F%2F', '.%2F.',
      experimentId, `${experimentId}/`, `${experimentId}%2F`,
      `${experimentId}/${runId}`, `${experimentId}%2F${runId}`, `${experimentId}/${runId}/`,
      runRoot, `${runRoot}/`, `${runRoot}/.`, `${runRoot}/%2E`, `${runRoot}%2F%2E`, `${runRoot}/plots/..%2F`,
      // The run's id under another experiment, and a run that does not exist, are no run's folder.
      `${otherExperiment}/${runId}/artifacts/model`, `${experimentId}/${'0'.repeat(32)}/artifacts/model`,
    ];
    for (const path of odd) {
      for (const response of [await del(path), await put(path)]) {
        expect(response.status, `${path}: ${response.text}`).toBe(400);
        expect(response.json?.error_code).toBe('INVALID_PARAMETER_VALUE');
        expect(response.json?.message, path).toMatch(/artifact path '[^']*'|'\.\.' is not allowed/);
      }
    }
    expect(existsSync(join(artifactsDir(), runRoot, 'model', 'MLmodel'))).toBe(true);
    expect(existsSync(join(artifactsDir(), otherExperiment))).toBe(false);
    expect(indexed()).toContain('model/MLmodel');
  });

  it('names the offending path and the rule in the message', async () => {
    const response = await del('%2E');
    expect(response.json?.message).toMatch(/^Invalid artifact path '\.': it names the artifact root itself\. .*inside one run's artifact folder/);
    expect((await del(`${experimentId}/${runId}`)).json?.message).toContain(`'${experimentId}/${runId}': it names a run folder`);
  });

  it('deletes a folder inside the run and its rows of the artifact index, leaving look-alike names', async () => {
    expect(indexed()).toEqual(['model/MLmodel', 'plots-old.txt', 'plots/a.png', 'plots/b.png', 'plots/deep/c.png']);
    expect((await del(`${runRoot}/plots`)).status).toBe(200);
    expect(existsSync(join(artifactsDir(), runRoot, 'plots'))).toBe(false);
    expect(indexed()).toEqual(['model/MLmodel', 'plots-old.txt']);
    expect((await del(`${runRoot}/plots-old.txt`)).status).toBe(200);
    expect(indexed()).toEqual(['model/MLmodel']);
  });

  it("accepts a run whose experiment has its own mlflow-artifacts: location, and indexes its files there", async () => {
    const created = await server.post<{ experiment_id: string }>('experiments/create', { name: uniqueName('located'), artifact_location: 'mlflow-artifacts:/team/churn' });
    const located = await createRun(server, created.body.experiment_id);
    const root = `team/churn/${located.info.run_id}/artifacts`;
    expect((await put(`${root}/model/MLmodel`, 'flavors: {}')).status).toBe(200);
    const db = new Database(join(server.dataDir!, 'mldesk.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT a.path FROM artifacts a JOIN runs r USING (run_pk) WHERE r.run_uuid = ?').pluck().all(located.info.run_id)).toEqual(['model/MLmodel']);
    } finally {
      db.close();
    }
    for (const path of ['team', 'team/churn', `team/churn/${located.info.run_id}`, root]) expect((await del(path)).status, path).toBe(400);
    expect((await del(`${root}/model`)).status).toBe(200);
    expect(existsSync(join(artifactsDir(), root))).toBe(true);
  });

  it('answers 400, not 500, for a NUL in the path or a file where a folder should be', async () => {
    expect((await put(`${runRoot}/a%00b`)).status).toBe(400);
    expect((await put(`${runRoot}/model/MLmodel/inside`)).json?.message).toMatch(/a parent of it is a file/);
    expect((await put(`${runRoot}/model`)).json?.message).toMatch(/a folder of that name exists/);
    expect((await del(`${runRoot}/model/MLmodel/inside`)).status).toBe(200);
    expect(existsSync(join(artifactsDir(), runRoot, 'model', 'MLmodel'))).toBe(true);
  });

  it('never reads outside the artifact root: downloads of odd paths are 400/404, listing the root stays as in MLflow', async () => {
    for (const path of ['%2E', './', '%2F', experimentId, '%2E%2E/mldesk.db', '..%2Fmldesk.db', `${runRoot}/..%2F..%2F..%2F..%2Fmldesk.db`, '%2Fetc%2Fpasswd', 'a%00']) {
      const response = await rawRequest(server.url, 'GET', `${ARTIFACTS_PREFIX}/${path}`);
      expect([400, 404], `${path}: ${response.text}`).toContain(response.status);
      expect(response.text).not.toContain('SQLite format');
    }
    for (const path of ['%2E%2E', '..%2F..', `${runRoot}/..%2F..%2F..%2F..`, '%00']) {
      expect((await rawRequest(server.url, 'GET', `${ARTIFACTS_PREFIX}?path=${path}`)).status, path).toBe(400);
    }
    const root = await rawRequest(server.url, 'GET', `${ARTIFACTS_PREFIX}?path=`);
    expect(root.status).toBe(200);
    expect(root.json?.files).toContainEqual({ path: experimentId, is_dir: true });
  });

  it('keeps /app-files/artifacts/<run>/ inside the run: `..`, %2E%2E and encoded slashes are refused', async () => {
    const base = `/app-files/artifacts/${runId}`;
    expect((await rawRequest(server.url, 'GET', `${base}/model/MLmodel`)).text).toBe('model/MLmodel');
    for (const path of ['..%2F..%2F..%2F..%2Fmldesk.db', '%2E%2E/%2E%2E/%2E%2E/%2E%2E/mldesk.db', '../../../../mldesk.db', `model%2F..%2F..%2F..%2F..%2F..%2Fmldesk.db`, '%2Fetc%2Fpasswd', 'a%00']) {
      const response = await rawRequest(server.url, 'GET', `${base}/${path}`);
      expect([400, 404], `${path}: ${response.text}`).toContain(response.status);
      expect(response.text).not.toContain('SQLite format');
    }
    // The run's own folder (`.` or nothing) downloads as a zip of that run's artifacts only.
    for (const path of ['.', '', '%2E']) {
      const response = await rawRequest(server.url, 'GET', `${base}/${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers['content-type'], path).toBe('application/zip');
      expect(response.text, path).toContain('model/MLmodel');
      expect(response.text, path).not.toContain('mldesk.db');
    }
    expect((await rawRequest(server.url, 'GET', `/app-files/artifacts/..%2F..%2F/mldesk.db`)).status).toBe(404);
  });
});

describe('malformed percent escapes in paths', () => {
  it('answers 400 in MLflow error shape on every route family', async () => {
    for (const path of [`${ARTIFACTS_PREFIX}/%E0%A4%A`, `${ARTIFACTS_PREFIX}/abc%`, '/app-api/%E0%A4%A', `/app-files/artifacts/abc%/x`, '/%E0%A4%A', '/assets/abc%']) {
      const response = await rawRequest(server.url, path.startsWith('/app-api') ? 'POST' : 'GET', path, path.startsWith('/app-api') ? { body: '{}', headers: { 'content-type': 'application/json' } } : {});
      expect(response.status, path).toBe(400);
      expect(response.json?.error_code, path).toBe('INVALID_PARAMETER_VALUE');
      expect(response.json?.message, path).toMatch(/Malformed percent-encoding/);
    }
  });
});

describe('DNS rebinding: a server without a token answers only Host headers naming loopback', () => {
  const search = (host: string, headers: Record<string, string> = {}) =>
    rawRequest(server.url, 'GET', `${MLFLOW_PREFIX}/experiments/search?max_results=1`, { headers: { host, ...headers } });

  it('refuses a rebound name even when Origin matches Host, and stores nothing', async () => {
    const name = uniqueName('rebound');
    const host = `evil.test:${server.port}`;
    const response = await rawRequest(server.url, 'POST', `${MLFLOW_PREFIX}/experiments/create`, {
      headers: { host, origin: `http://${host}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ name }),
    });
    expect(response.status).toBe(403);
    expect(response.json?.error_code).toBe('PERMISSION_DENIED');
    expect(response.json?.message).toMatch(/^Host 'evil\.test:\d+' refused: .*loopback without a token.*127\.0\.0\.1, localhost or \[::1\]/);
    expect((await server.get('experiments/get-by-name', { experiment_name: name })).status).toBe(404);
    for (const path of ['/', '/app-api/events', '/app-files/artifacts/x/y']) {
      expect((await rawRequest(server.url, 'GET', path, { headers: { host } })).status, path).toBe(403);
    }
  });

  it('accepts 127.0.0.1, localhost and [::1] with or without the port', async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, 'localhost', '127.0.0.1', `LocalHost:${server.port}`]) {
      expect((await search(host)).status, host).toBe(200);
    }
  });

  it('parses the Host header instead of matching prefixes', async () => {
    for (const host of [`127.0.0.1.evil.test:${server.port}`, `127.evil.example:${server.port}`, `localhost.evil.test:${server.port}`, `evil.test@127.0.0.1:${server.port}`, `[::1].evil.test`, '0.0.0.0']) {
      expect((await search(host)).status, host).toBe(403);
    }
  });

  it('with a token the Host check is left to the token, but Origin is still checked', async () => {
    const token = 'rebinding-test-token';
    const tokenServer = await startServer({ token });
    try {
      const auth = { authorization: `Bearer ${token}` };
      const host = `mldesk.example:${tokenServer.port}`;
      const path = `${MLFLOW_PREFIX}/experiments/search?max_results=1`;
      expect((await rawRequest(tokenServer.url, 'GET', path, { headers: { host, ...auth } })).status).toBe(200);
      expect((await rawRequest(tokenServer.url, 'GET', path, { headers: { host, ...auth, origin: `http://${host}` } })).status).toBe(200);
      const foreign = await rawRequest(tokenServer.url, 'GET', path, { headers: { host, ...auth, origin: 'http://evil.example' } });
      expect(foreign.status).toBe(403);
      expect(foreign.json?.message).toMatch(/Cross-origin request from http:\/\/evil\.example refused/);
    } finally {
      await tokenServer.stop();
    }
  });
});

describe('origins are compared whole', () => {
  it('does not trust a port that merely starts with the server port, another host name or a malformed origin', async () => {
    for (const origin of [`http://127.0.0.1:${server.port}4`, `http://localhost:${server.port}`, `http://127.0.0.1:${server.port}.evil.test`, `ftp://127.0.0.1:${server.port}`, 'null', 'not a url']) {
      const response = await server.post('experiments/search', { max_results: 1 }, { origin });
      expect(response.status, origin).toBe(403);
    }
    expect((await server.post('experiments/search', { max_results: 1 }, { origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
  });

  it('refuses to bind a name that only starts like a loopback address without a token', async () => {
    const result = await runCli(['serve', '--host', '127.evil.example', '--port', '0', '--data-dir', await makeTempDir()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Refusing to listen on 127\.evil\.example without a token/);
  });
});

describe('UI pages cannot be framed', () => {
  it("sends the window's CSP with frame-ancestors 'none' and X-Frame-Options: DENY on the UI and its client-side routes", async () => {
    for (const path of ['/', `/experiments/${experimentId}`]) {
      const response = await rawRequest(server.url, 'GET', path, { headers: { accept: 'text/html' } });
      expect(response.status, path).toBe(200);
      expect(String(response.headers['content-type'])).toMatch(/^text\/html/);
      const csp = String(response.headers['content-security-policy']);
      for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) {
        expect(csp, path).toContain(directive);
      }
      expect(response.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('keeps the sandbox policy of artifact downloads', async () => {
    const run = await createRun(server, experimentId);
    await rawRequest(server.url, 'PUT', `${ARTIFACTS_PREFIX}/${experimentId}/${run.info.run_id}/artifacts/page.html`, { body: '<script>alert(1)</script>' });
    const response = await rawRequest(server.url, 'GET', `${ARTIFACTS_PREFIX}/${experimentId}/${run.info.run_id}/artifacts/page.html`);
    expect(response.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  });
});

describe("the desktop app's embedded server", () => {
  it('answers only requests carrying its per-launch secret, which the window adds for its own origin only', async () => {
    const launchSecret = newLaunchSecret();
    const embedded = await startEmbeddedServer({ host: '127.0.0.1', port: 0, dataDir: await makeTempDir('embedded'), version: 'test', launchSecret, quiet: true });
    try {
      const run = embedded.store.createRun({ experimentId: '0', tags: [] });
      const paths = ['/', '/health', `${MLFLOW_PREFIX}/experiments/search?max_results=1`, '/app-api/events', `/app-files/artifacts/${run.info.run_id}/x.txt`];
      // What any other local process can do: no secret, a wrong one, one of the same length.
      const attempts: Array<Record<string, string>> = [{}, { [LAUNCH_SECRET_HEADER]: 'guess' }, { [LAUNCH_SECRET_HEADER]: 'x'.repeat(launchSecret.length) }];
      for (const headers of attempts) {
        for (const path of paths) {
          const response = await rawRequest(embedded.url, 'GET', path, { headers });
          expect(response.status, path).toBe(403);
          expect(response.json?.message).toMatch(/per-launch secret/);
        }
        const list = await rawRequest(embedded.url, 'POST', '/app-api/experiments.list', { headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
        expect(list.status).toBe(403);
      }
      // What the window sends: the decision the Electron main process applies to each request.
      const window = (url: string) => windowRequestHeaders(url, { accept: 'text/html' }, embedded.url, launchSecret);
      expect((await rawRequest(embedded.url, 'GET', '/', { headers: window(`${embedded.url}/`) })).status).toBe(200);
      expect((await rawRequest(embedded.url, 'GET', '/health', { headers: window(`${embedded.url}/health`) })).status).toBe(200);
      const list = await rawRequest(embedded.url, 'POST', '/app-api/experiments.list', { headers: { ...window(`${embedded.url}/app-api/experiments.list`), 'content-type': 'application/json' }, body: '{}' });
      expect(list.status).toBe(200);
      // The secret never goes to another origin, not even a port that starts with this one's.
      for (const url of [`${embedded.url}4/`, `http://localhost:${new URL(embedded.url).port}/`, 'https://example.com/', 'not a url']) {
        expect(window(url), url).not.toHaveProperty(LAUNCH_SECRET_HEADER);
      }
      expect(windowRequestHeaders('https://example.com/', { [LAUNCH_SECRET_HEADER]: launchSecret }, embedded.url, launchSecret)).toEqual({});
    } finally {
      await embedded.close();
    }
  });
});
