/**
 * A server reachable with a token must not let a client try tokens as fast as it can send them:
 * after 20 wrong tokens from one address within a minute, that address gets 429 with Retry-After
 * whatever it presents, even the right token (else the block would not slow guessing at all),
 * while a browser that already holds a login session keeps working.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, startServer, stopAllServers, type ServerProcess } from './server-process.js';

const SECRET = 'tok-guess-5b0e9d11c3a2';
let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ token: SECRET });
});

afterAll(async () => {
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

const getExperiment = (token: string) =>
  fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=0`, { headers: { authorization: `Bearer ${token}` } });

describe('guessing tokens against mldesk serve', () => {
  it('blocks an address after 20 wrong tokens, the right one included, but not a logged-in browser', async () => {
    const login = await fetch(`${server.url}/login?token=${SECRET}`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;

    for (let i = 0; i < 20; i++) expect((await getExperiment(`wrong-${i}`)).status).toBe(401);
    const blocked = await getExperiment(SECRET);
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await blocked.json()) as { error_code: string; message: string };
    expect(body.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(body.message).toMatch(/wrong token.*try again in \d+ s/);

    const loginPage = await fetch(`${server.url}/login?token=${SECRET}`, { redirect: 'manual' });
    expect(loginPage.status).toBe(429);
    expect(loginPage.headers.get('set-cookie')).toBeNull();
    expect(await loginPage.text()).toContain('Too many wrong tokens');

    const withSession = await fetch(`${server.url}/app-api/experiments.list`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    expect(withSession.status).toBe(200);
  });
});
