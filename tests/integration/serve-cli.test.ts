import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createExperiment } from './mlflow-fixtures.js';
import { ARTIFACTS_PREFIX, cleanupTempDirs, makeTempDir, REPO_ROOT, runCli, startServer, stopAllServers, type ServerProcess } from './server-process.js';

const FLAGS = ['--host', '--port', '--data-dir', '--token'];
const packageVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

async function withServer<T>(server: ServerProcess, body: (server: ServerProcess) => Promise<T>): Promise<T> {
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

describe('mldesk serve', () => {
  it('prints the real port for --port 0 and serves on it', async () => {
    const dataDir = await makeTempDir('port');
    await withServer(await startServer({ dataDir, port: 0 }), async (server) => {
      expect(server.stdout()).toMatch(/^MLDesk listening on http:\/\/127\.0\.0\.1:\d+$/m);
      expect(server.port).toBeGreaterThan(0);
      expect((await server.waitForStdout(/^Data directory: (.*)$/m))[1]).toBe(dataDir);
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.text()).toBe('OK');
      expect(await (await fetch(`${server.url}/version`)).text()).toBe(packageVersion);
      expect(existsSync(join(dataDir, 'mldesk.db'))).toBe(true);
    });
  });

  it('two servers on --port 0 get different ports', async () => {
    const a = await startServer();
    const b = await startServer();
    try {
      expect(a.port).not.toBe(b.port);
      expect((await a.get('experiments/get', { experiment_id: '0' })).status).toBe(200);
      expect((await b.get('experiments/get', { experiment_id: '0' })).status).toBe(200);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('refuses --host 0.0.0.0 without a token, exiting non-zero with a message about --token', async () => {
    const dataDir = await makeTempDir('exposed');
    const result = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir], { timeoutMs: 10_000 });
    expect(result.signal).toBeNull();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--token');
    expect(result.stdout).not.toContain('listening');
  });

  it('exits non-zero with a clear message when the port is taken', async () => {
    const first = await startServer();
    try {
      const result = await runCli(['serve', '--port', String(first.port), '--data-dir', await makeTempDir('taken')], { timeoutMs: 10_000 });
      expect(result.signal).toBeNull();
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/EADDRINUSE|in use/i);
      expect((await first.get('experiments/get', { experiment_id: '0' })).status).toBe(200);
    } finally {
      await first.stop();
    }
  });

  it('stops cleanly on SIGINT (Ctrl-C) with exit code 0', async () => {
    const server = await startServer();
    await createExperiment(server, 'before-ctrl-c');
    const exit = await server.stop('SIGINT');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('Received SIGINT');
    const again = await startServer({ dataDir: server.dataDir });
    try {
      expect((await again.get('experiments/get-by-name', { experiment_name: 'before-ctrl-c' })).status).toBe(200);
    } finally {
      await again.stop();
    }
  });

  it('rejects a port that is not a number', async () => {
    const result = await runCli(['serve', '--port', 'http', '--data-dir', await makeTempDir('badport')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('http');
  });

  describe.each([
    { how: '--token', options: { token: 's3cret' } },
    { how: 'MLDESK_TOKEN', options: { env: { MLDESK_TOKEN: 's3cret' } } },
  ])('with a token from $how', ({ options }) => {
    it('answers 401 without the bearer token and serves with it', async () => {
      await withServer(await startServer(options), async (server) => {
        const denied = await server.get('experiments/get', { experiment_id: '0' });
        expect(denied.status).toBe(401);
        expect((denied.body as { error_code: string }).error_code).toBe('UNAUTHENTICATED');
        expect(denied.headers.get('www-authenticate')).toMatch(/^Bearer/);

        const wrong = await server.get('experiments/get', { experiment_id: '0' }, { authorization: 'Bearer s3cre' });
        expect(wrong.status).toBe(401);
        const basic = await server.get('experiments/get', { experiment_id: '0' }, { authorization: 'Basic czNjcmV0' });
        expect(basic.status).toBe(401);
        const deniedWrite = await server.post('experiments/create', { name: 'sneaky' });
        expect(deniedWrite.status).toBe(401);
        const deniedUpload = await fetch(`${server.url}${ARTIFACTS_PREFIX}/0/sneaky.txt`, { method: 'PUT', body: 'x' });
        expect(deniedUpload.status).toBe(401);
        expect(existsSync(join(server.dataDir!, 'artifacts', '0', 'sneaky.txt'))).toBe(false);

        const authed = server.client(undefined, { authorization: 'Bearer s3cret' });
        const ok = await authed.get('experiments/get', { experiment_id: '0' });
        expect(ok.status, ok.text).toBe(200);
        expect((await authed.get('experiments/get-by-name', { experiment_name: 'sneaky' })).status).toBe(404);
        expect((await authed.post('experiments/create', { name: 'allowed' })).status).toBe(200);
      });
    });
  });

  it('uses MLDESK_HOME when --data-dir is absent, and --data-dir wins over it', async () => {
    const home = await makeTempDir('home');
    await withServer(await startServer({ dataDir: null, env: { MLDESK_HOME: home } }), async (server) => {
      expect((await server.waitForStdout(/^Data directory: (.*)$/m))[1]).toBe(home);
      await createExperiment(server, 'kept-in-home');
      expect(existsSync(join(home, 'mldesk.db'))).toBe(true);
    });
    // The data outlives the process and is found again through MLDESK_HOME.
    await withServer(await startServer({ dataDir: null, env: { MLDESK_HOME: home } }), async (server) => {
      expect((await server.get('experiments/get-by-name', { experiment_name: 'kept-in-home' })).status).toBe(200);
    });
    const explicit = await makeTempDir('explicit');
    await withServer(await startServer({ dataDir: explicit, env: { MLDESK_HOME: home } }), async (server) => {
      expect((await server.waitForStdout(/^Data directory: (.*)$/m))[1]).toBe(explicit);
      expect((await server.get('experiments/get-by-name', { experiment_name: 'kept-in-home' })).status).toBe(404);
    });
  });

  it('refuses a database from a newer MLDesk with a clear message and leaves it untouched', async () => {
    const dataDir = await makeTempDir('newer');
    const database = join(dataDir, 'mldesk.db');
    const db = new Database(database);
    db.exec("CREATE TABLE future_things (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO future_things (note) VALUES ('from the future');");
    db.pragma('user_version = 99');
    db.close();
    const hash = () => createHash('sha256').update(readFileSync(database)).digest('hex');
    const before = hash();
    const filesBefore = readdirSync(dataDir).sort();

    const result = await runCli(['serve', '--port', '0', '--data-dir', dataDir], { timeoutMs: 10_000 });
    expect(result.signal).toBeNull();
    expect(result.code).not.toBe(0);
    expect(result.stdout).not.toContain('listening');
    expect(result.stderr).toMatch(/newer/i);
    expect(result.stderr).toContain('99');
    expect(result.stderr).toContain(database);

    expect(hash()).toBe(before);
    expect(readdirSync(dataDir).sort()).toEqual(filesBefore);
    const reopened = new Database(database, { readonly: true });
    try {
      expect(reopened.pragma('user_version', { simple: true })).toBe(99);
      expect(reopened.pragma('journal_mode', { simple: true })).toBe('delete');
    } finally {
      reopened.close();
    }
  });
});

describe('mldesk --help', () => {
  it('mldesk serve --help mentions every flag', async () => {
    const result = await runCli(['serve', '--help']);
    expect(result.code).toBe(0);
    for (const flag of FLAGS) expect(result.stdout).toContain(flag);
    expect(result.stdout).toContain('MLDESK_TOKEN');
  });

  it('mldesk --help mentions every serve flag', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('serve');
    for (const flag of FLAGS) expect(result.stdout).toContain(flag);
  });
});
