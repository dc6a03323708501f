import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { listenEarly, type EarlyServer } from './early-listen.js';
import { buildUiServer } from './server-base.js';

/** A raw request (fetch would refuse to send a foreign Host header). */
function send(url: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Settles within `ms`, or is still pending: the held requests must not be answered yet. */
async function pendingAfter<T>(promise: Promise<T>, ms: number): Promise<boolean> {
  const marker = Symbol('pending');
  const result = await Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(marker), ms))]);
  return result === marker;
}

describe('listenEarly: the UI answers at once, everything else waits for the full app', () => {
  let uiDir: string;
  let early: EarlyServer | null = null;
  const apps: FastifyInstance[] = [];

  beforeAll(() => {
    uiDir = mkdtempSync(join(tmpdir(), 'mldesk-early-ui-'));
    mkdirSync(join(uiDir, 'assets'));
    writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>MLDesk</title>');
    writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log("app")');
    writeFileSync(join(uiDir, 'favicon.svg'), '<svg/>');
  });
  afterAll(() => rmSync(uiDir, { recursive: true, force: true }));
  afterEach(async () => {
    await early?.close();
    early = null;
    for (const app of apps.splice(0)) await app.close();
  });

  /** A stand-in for the full app: answers the API with what it received, in the order it received it. */
  async function fullApp(seen: string[]): Promise<FastifyInstance> {
    const app = Fastify();
    app.post('/app-api/:operation', async (request) => {
      seen.push((request.params as { operation: string }).operation);
      return { ok: true, value: { operation: (request.params as { operation: string }).operation, body: request.body } };
    });
    app.get('/health', async () => 'OK');
    await app.ready();
    apps.push(app);
    return app;
  }

  it('serves the page and its assets before the app is ready, holds API calls unread, then answers them in order', async () => {
    early = await listenEarly({ host: '127.0.0.1', port: 0 });
    expect(early.url).toBe(`http://127.0.0.1:${early.port}`);
    const ui = await buildUiServer({ version: 'test', uiDir, tokens: [] });
    early.serveUi(ui);
    const page = await send(early.url, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>MLDesk</title>');
    expect((await send(early.url, '/assets/app.js')).body).toContain('console.log');
    expect((await send(early.url, '/experiments/1', { headers: { accept: 'text/html' } })).body).toContain('<title>MLDesk</title>');

    const first = send(early.url, '/app-api/runs.page', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });
    const health = send(early.url, '/health');
    expect(await pendingAfter(first, 300), 'an API call waits for the full app').toBe(true);
    expect(await pendingAfter(health, 10), '/health waits too: the server is not ready to answer it').toBe(true);
    const second = send(early.url, '/app-api/runs.columns', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":2}' });
    await new Promise((resolve) => setTimeout(resolve, 50));

    const seen: string[] = [];
    early.serveAll(await fullApp(seen));
    const [one, two, ok] = await Promise.all([first, second, health]);
    expect(JSON.parse(one.body)).toEqual({ ok: true, value: { operation: 'runs.page', body: { n: 1 } } });
    expect(JSON.parse(two.body)).toEqual({ ok: true, value: { operation: 'runs.columns', body: { n: 2 } } });
    expect(ok).toEqual({ status: 200, body: 'OK' });
    expect(seen, 'held requests reach the app in the order they came').toEqual(['runs.page', 'runs.columns']);
    // From now on the full app answers everything, the UI's files included (it would serve them itself).
    expect((await send(early.url, '/assets/app.js')).status).toBe(404);
  });

  it('applies the Host and Origin guards to the UI before the app is ready', async () => {
    early = await listenEarly({ host: '127.0.0.1', port: 0 });
    early.serveUi(await buildUiServer({ version: 'test', uiDir, tokens: [] }));
    const rebinding = await send(early.url, '/', { headers: { host: 'evil.example:80' } });
    expect(rebinding.status).toBe(403);
    const foreign = await send(early.url, '/assets/app.js', { headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    // A write is never answered by the UI-only app: held like any API call, the full app's guards decide.
    const post = send(early.url, '/', { method: 'POST', body: 'x' });
    expect(await pendingAfter(post, 200)).toBe(true);
    early.fail('not today');
    expect((await post).status).toBe(503);
  });

  it('answers held and later requests 503 naming the problem when the app will not come, in each API’s error shape', async () => {
    early = await listenEarly({ host: '127.0.0.1', port: 0 });
    const appCall = send(early.url, '/app-api/runs.page', { method: 'POST', body: '{}' });
    const mlflowCall = send(early.url, '/api/2.0/mlflow/runs/search', { method: 'POST', body: '{}' });
    expect(await pendingAfter(appCall, 200)).toBe(true);
    early.fail('store.sqlite: its SHA-256 differs');
    const app = await appCall;
    expect(app.status).toBe(503);
    expect(JSON.parse(app.body)).toEqual({ ok: false, error: { code: 'TEMPORARILY_UNAVAILABLE', message: 'store.sqlite: its SHA-256 differs' } });
    const mlflow = await mlflowCall;
    expect(JSON.parse(mlflow.body)).toEqual({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'store.sqlite: its SHA-256 differs' });
    const later = await send(early.url, '/');
    expect(later.status).toBe(503);
  });

  it('holds at most 512 requests: the next is answered 503 at once', async () => {
    early = await listenEarly({ host: '127.0.0.1', port: 0 });
    const held = Array.from({ length: 512 }, () => send(early!.url, '/app-api/x', { method: 'POST', body: '{}' }).catch(() => null));
    // Whichever of them have reached the server are held; probes fill the rest until one is refused at once.
    let refused: { status: number; body: string } | null = null;
    for (let i = 0; i < 600 && !refused; i++) {
      const probe = send(early.url, '/app-api/probe', { method: 'POST', body: '{}' }).catch(() => null);
      held.push(probe);
      const answer = await Promise.race([probe, new Promise<null>((resolve) => setTimeout(() => resolve(null), i < 20 ? 100 : 5))]);
      if (answer) refused = answer;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.body).toContain('holds 512 requests');
    early.fail('closing');
    await Promise.all(held);
  });

  it('refuses a port in use with EADDRINUSE, and close() cuts requests still held', async () => {
    early = await listenEarly({ host: '127.0.0.1', port: 0 });
    await expect(listenEarly({ host: '127.0.0.1', port: early.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const held = send(early.url, '/app-api/runs.page', { method: 'POST', body: '{}' });
    expect(await pendingAfter(held, 100)).toBe(true);
    const closing = early.close();
    await expect(held).rejects.toThrow();
    await closing;
    early = null;
  });
});
