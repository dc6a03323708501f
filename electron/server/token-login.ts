/**
 * Who is calling `mldesk serve`, and how a browser signs in on a token server.
 *
 * MLflow clients send `Authorization: Bearer <secret>`. A browser cannot (EventSource sends no
 * headers), so, as Jupyter does, the server prints a login URL carrying the token; opening it (or
 * pasting the token into /login) swaps the token for a session cookie: a random id kept in this
 * process's memory, HttpOnly and SameSite=Strict, never the token itself. Either way the caller's
 * identity is the token's name. Without tokens (loopback only) the caller is the OS user.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { DEFAULT_THROTTLE, FailedAttemptThrottle, throttledAnswer } from '../core/auth-throttle.js';
import { localCaller, type Caller } from '../core/caller-identity.js';
import { bearerOf, matchingTokenName, UNAUTHENTICATED_MESSAGE, type NamedToken } from '../core/http-auth.js';
import { LOGIN_CSP, LOGIN_CSS, loginPage } from './login-page.js';

export const LOGIN_PATH = '/login';
const LOGOUT_PATH = '/logout';
const LOGIN_CSS_PATH = '/login.css';
// The icon is the app's logo, no data: the login page shows it too.
const PUBLIC_PATHS = new Set([LOGIN_PATH, LOGOUT_PATH, LOGIN_CSS_PATH, '/favicon.ico', '/favicon.svg']);
const API_PATH = /^\/(api|ajax-api|app-api|app-files)\//;
/** A session outlives neither the server process nor this. */
const SESSION_LIFETIME_MS = 7 * 24 * 3600_000;
/** Only a valid token opens a session, but a leaked one must not be able to fill memory. */
const MAX_SESSIONS = 10_000;
const FORM_BODY_LIMIT = 16 * 1024;

const callers = new WeakMap<FastifyRequest, Caller>();

/** The authenticated caller of a request (set by the hook registerCallerAuth installs). */
export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (!caller) throw new Error(`No caller was recorded for ${request.method} ${request.url}: registerCallerAuth must run before the routes.`);
  return caller;
}

/** Login sessions of browsers: random ids mapped to the name of the token they logged in with. */
class LoginSessions {
  private readonly sessions = new Map<string, { name: string; expires: number }>();

  open(name: string): string {
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { name, expires: Date.now() + SESSION_LIFETIME_MS });
    return id;
  }

  nameOf(id: string | undefined): string | null {
    if (id === undefined) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    if (session.expires <= Date.now()) {
      this.sessions.delete(id);
      return null;
    }
    return session.name;
  }

  close(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }
}

/** Cookies are per host, not per port: two servers on 127.0.0.1 must not overwrite each other's session. */
function cookieName(request: FastifyRequest): string {
  return `mldesk-session-${request.raw.socket.localPort ?? 0}`;
}

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sendLoginPage(reply: FastifyReply, status: number, error?: string): FastifyReply {
  return reply
    .code(status)
    .header('content-security-policy', LOGIN_CSP)
    .header('cache-control', 'no-store')
    // Not no-referrer: under it the form's POST carries `Origin: null`, which the origin check refuses.
    .header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .type('text/html; charset=utf-8')
    .send(loginPage(error));
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Records every request's caller. With tokens: a bearer token or a login session is required
 * (401 otherwise; a browser opening a page is sent to the login page), and /login, /logout serve
 * the sign-in. Without tokens: every caller is the OS user (the server binds loopback only).
 */
export function registerCallerAuth(app: FastifyInstance, tokens: readonly NamedToken[]): void {
  if (tokens.length === 0) {
    const local = localCaller();
    app.addHook('onRequest', async (request) => {
      callers.set(request, local);
    });
    return;
  }
  const sessions = new LoginSessions();
  const throttle = new FailedAttemptThrottle(DEFAULT_THROTTLE);

  app.addHook('onRequest', async (request, reply) => {
    const path = pathOf(request.url);
    if (PUBLIC_PATHS.has(path)) return;
    const bearer = bearerOf(request.headers.authorization);
    if (bearer !== undefined) {
      const wait = throttle.blockedFor(request.ip);
      if (wait > 0) {
        const answer = throttledAnswer(wait);
        return reply.code(429).header('retry-after', answer.retryAfter).send(answer.body);
      }
    }
    const name = bearer !== undefined ? matchingTokenName(bearer, tokens) : sessions.nameOf(cookieOf(request, cookieName(request)));
    if (bearer !== undefined && name === null) throttle.recordFailure(request.ip);
    if (name !== null) {
      callers.set(request, { identity: name, via: bearer !== undefined ? 'bearer' : 'session' });
      return;
    }
    if (bearer === undefined && request.method === 'GET' && !API_PATH.test(path) && (request.headers.accept ?? '').includes('text/html')) {
      return reply.redirect(LOGIN_PATH, 303);
    }
    return reply.code(401).header('www-authenticate', 'Bearer realm="mldesk"').send({ error_code: 'UNAUTHENTICATED', message: UNAUTHENTICATED_MESSAGE });
  });

  const logIn = (request: FastifyRequest, reply: FastifyReply, given: string | undefined) => {
    if (given === undefined || given.trim() === '') return sendLoginPage(reply, 400, 'Paste the token this server was started with.');
    const wait = throttle.blockedFor(request.ip);
    if (wait > 0) {
      const answer = throttledAnswer(wait);
      reply.header('retry-after', answer.retryAfter);
      return sendLoginPage(reply, 429, `Too many wrong tokens were tried from this address. Try again in ${answer.retryAfter} s.`);
    }
    const name = matchingTokenName(given.trim(), tokens);
    if (name === null) throttle.recordFailure(request.ip);
    if (name === null) return sendLoginPage(reply, 401, 'That token is not valid for this server. Check for a missing or extra character and try again.');
    const id = sessions.open(name);
    return reply
      .header('set-cookie', `${cookieName(request)}=${id}; Path=/; HttpOnly; SameSite=Strict`)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .redirect('/', 303);
  };

  app.get(LOGIN_CSS_PATH, async (_request, reply) =>
    reply.header('content-security-policy', LOGIN_CSP).header('cache-control', 'no-cache').type('text/css; charset=utf-8').send(LOGIN_CSS),
  );
  app.get(LOGIN_PATH, async (request, reply) => {
    const { token } = request.query as { token?: unknown };
    if (token === undefined) return sendLoginPage(reply, 200);
    // A link on another site could sign the browser in with a token of the link author's choosing
    // (login CSRF). The printed URL opened from a terminal or the address bar is not cross-site.
    if (request.headers['sec-fetch-site'] === 'cross-site') {
      return sendLoginPage(reply, 403, 'This login link was opened from another website, so it was not used. Paste the token to sign in.');
    }
    return logIn(request, reply, typeof token === 'string' ? token : undefined);
  });

  // The form posts application/x-www-form-urlencoded; the rest of the server reads JSON under that type.
  app.register(async (login) => {
    login.removeContentTypeParser('application/x-www-form-urlencoded');
    login.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    login.post(LOGIN_PATH, async (request, reply) => {
      const body = request.body as Record<string, unknown> | undefined;
      return logIn(request, reply, typeof body?.token === 'string' ? body.token : undefined);
    });
    login.post(LOGOUT_PATH, async (request, reply) => {
      const name = cookieName(request);
      sessions.close(cookieOf(request, name));
      return reply.header('set-cookie', `${name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`).header('cache-control', 'no-store').redirect(LOGIN_PATH, 303);
    });
  });
}

/** The URL that logs a browser in with `token` (printed once at start, as Jupyter does). */
export function loginUrl(serverUrl: string, token: NamedToken): string {
  return `${serverUrl}${LOGIN_PATH}?token=${encodeURIComponent(token.secret)}`;
}
