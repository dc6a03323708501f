/**
 * Browsers on a token server: the printed login URL (or the token pasted into /login) swaps the
 * token for an HttpOnly, SameSite=Strict session cookie; the UI, the app API and its event stream
 * work with that cookie; a wrong token sets nothing. MLflow clients keep using the bearer header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, startServer, stopAllServers, type ServerProcess } from './server-process.js';

const SECRET = 'tok-3f9a1c77e2b04d5e';
let server: ServerProcess;
let loginUrl: string;

beforeAll(async () => {
  server = await startServer({ token: SECRET });
  loginUrl = (await server.waitForStdout(/^Open the UI \(logs in with token 'token'\): (\S+)$/m))[1]!;
});

afterAll(async () => {
  await server?.stop();
  await stopAllServers();
  await cleanupTempDirs();
});

interface SessionCookie {
  name: string;
  value: string;
  attributes: string[];
}

function sessionCookie(response: Response): SessionCookie | null {
  const header = response.headers.get('set-cookie');
  if (header === null) return null;
  const [pair, ...attributes] = header.split(';').map((part) => part.trim());
  const eq = pair!.indexOf('=');
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attributes };
}

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
const appApi = (operation: string, headers: Record<string, string>) =>
  fetch(`${server.url}/app-api/${operation}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
const postForm = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString(), redirect: 'manual' });

async function logIn(): Promise<{ cookie: string; set: SessionCookie }> {
  const response = await fetch(loginUrl, { redirect: 'manual' });
  expect(response.status).toBe(303);
  const set = sessionCookie(response)!;
  return { cookie: `${set.name}=${set.value}`, set };
}

describe('the login URL printed at start', () => {
  it('is printed once and carries the token', () => {
    expect(loginUrl).toBe(`${server.url}/login?token=${SECRET}`);
    expect(server.stdout().split(SECRET).length - 1).toBe(1);
  });

  it('sets an HttpOnly, SameSite=Strict, Path=/ session cookie that is not the token, and redirects (303) to the UI without it', async () => {
    const response = await fetch(loginUrl, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
    const set = sessionCookie(response);
    expect(set).not.toBeNull();
    expect(set!.name).toBe(`mldesk-session-${server.port}`);
    expect(set!.value).not.toContain(SECRET);
    expect(set!.value).toMatch(/^[\w-]{43}$/);
    expect(set!.attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict']));
    expect(set!.attributes.some((a) => /^(Max-Age|Expires)=/i.test(a))).toBe(false);
  });

  it('lets the cookie reach the UI, the app API, its event stream and the MLflow API', async () => {
    const { cookie } = await logIn();
    const page = await get('/', { cookie, accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');

    const listed = await appApi('experiments.list', { cookie });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { ok: boolean; value: { experiments: Array<{ name: string }> } }).value.experiments.map((e) => e.name)).toContain('Default');

    const controller = new AbortController();
    const events = await fetch(`${server.url}/app-api/events`, { headers: { cookie }, signal: controller.signal });
    expect(events.status).toBe(200);
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    controller.abort();

    expect((await get('/api/2.0/mlflow/experiments/get?experiment_id=0', { cookie })).status).toBe(200);
  });

  it('sends a browser without a session to the login page, and API callers get 401', async () => {
    const page = await get('/', { accept: 'text/html' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    expect((await appApi('experiments.list', {})).status).toBe(401);
    expect((await get('/app-api/events')).status).toBe(401);
    expect((await appApi('experiments.list', { cookie: `mldesk-session-${server.port}=forged-session-id-0000000000000000000000000` })).status).toBe(401);
  });

  it('is not honoured when another website links to it (login CSRF): the page asks for the token instead', async () => {
    const response = await get(`/login?token=${SECRET}`, { 'sec-fetch-site': 'cross-site' });
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('opened from another website');
    expect((await get(`/login?token=${SECRET}`, { 'sec-fetch-site': 'none' })).status).toBe(303);
  });

  it('sets nothing for a wrong token and says so', async () => {
    const response = await get(`/login?token=${SECRET}x`);
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('That token is not valid for this server');
  });
});

describe('the login page', () => {
  it('is served without auth as plain HTML under a strict CSP: no script, no inline style', async () => {
    const response = await get('/login');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await response.text();
    expect(html).not.toMatch(/<script|\sstyle=|<style|\son\w+=/i);
    expect(html).toContain('<form method="post" action="/login">');
    const css = await get('/login.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('accepts the pasted token from its form, and refuses a wrong one without a cookie', async () => {
    const wrong = await postForm('/login', { token: 'not-the-token' }, { origin: server.url });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('That token is not valid for this server');

    const empty = await postForm('/login', { token: '' }, { origin: server.url });
    expect(empty.status).toBe(400);
    expect(empty.headers.get('set-cookie')).toBeNull();

    const right = await postForm('/login', { token: ` ${SECRET}\n` }, { origin: server.url });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/');
    const set = sessionCookie(right)!;
    expect((await appApi('experiments.list', { cookie: `${set.name}=${set.value}` })).status).toBe(200);
  });

  it('logs out: the session ends on the server and the cookie is cleared', async () => {
    const { cookie } = await logIn();
    expect((await appApi('experiments.list', { cookie })).status).toBe(200);
    const out = await postForm('/logout', {}, { cookie, origin: server.url });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login');
    expect(sessionCookie(out)!.attributes).toContain('Max-Age=0');
    expect((await appApi('experiments.list', { cookie })).status).toBe(401);
  });
});

describe('MLflow clients', () => {
  it('keep using Authorization: Bearer', async () => {
    expect((await get('/api/2.0/mlflow/experiments/get?experiment_id=0', { authorization: `Bearer ${SECRET}` })).status).toBe(200);
    expect((await get('/api/2.0/mlflow/experiments/get?experiment_id=0', { authorization: 'Bearer wrong' })).status).toBe(401);
  });
});
