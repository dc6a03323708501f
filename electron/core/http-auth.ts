/**
 * Who may call an MLDesk HTTP server: loopback addresses need nothing, any other bind needs a
 * bearer token (the tracking server and the model server alike). `mldesk serve` accepts several
 * named tokens; the name of the token a caller presents is who they are in the audit trail.
 */
import type { FastifyInstance } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { DEFAULT_THROTTLE, FailedAttemptThrottle, throttledAnswer } from './auth-throttle.js';
import { isLoopbackAddress } from './http-guards.js';

/** A bind address that only this machine can reach (parsed: `127.evil.example` is not one). */
export function isLoopback(host: string): boolean {
  return isLoopbackAddress(host);
}

/** A secret callers present, and the name recorded as their identity (reviews, alias moves). */
export interface NamedToken {
  name: string;
  secret: string;
}

/** The name a bare `--token SECRET` gets. */
export const DEFAULT_TOKEN_NAME = 'token';
const TOKEN_NAME = /^[A-Za-z0-9][\w.@-]{0,63}$/;

/**
 * `NAME=SECRET` or a bare `SECRET` (named `token`). A secret ending in base64 padding (`abc==`)
 * stays bare: what follows the first `=` must be more than padding to make a name.
 */
export function parseTokenSpec(spec: string): NamedToken {
  const at = spec.indexOf('=');
  if (at > 0) {
    const name = spec.slice(0, at);
    const secret = spec.slice(at + 1);
    if (TOKEN_NAME.test(name) && !/^=*$/.test(secret)) return { name, secret };
  }
  return { name: DEFAULT_TOKEN_NAME, secret: spec };
}

/** Problems with a set of tokens, as a sentence naming the offending entry; null when they are fine. */
export function tokenSetProblem(tokens: readonly NamedToken[]): string | null {
  const names = new Set<string>();
  const secrets = new Set<string>();
  for (const { name, secret } of tokens) {
    if (secret.trim() === '') return `token '${name}' has an empty secret.`;
    if (names.has(name)) return `two tokens are named '${name}': each name must be unique, it is recorded as the caller's identity.`;
    if (secrets.has(secret)) return `token '${name}' has the same secret as another token: the server could not tell the callers apart.`;
    names.add(name);
    secrets.add(secret);
  }
  return null;
}

/**
 * Why a server may not listen on `host` with these tokens, or null: anything but loopback needs a
 * token (`mldesk serve` and `mldesk sweep`, whose server workers on other machines log into).
 */
export function bindWithoutTokenProblem(host: string, tokens: readonly NamedToken[]): string | null {
  if (isLoopback(host) || tokens.length > 0) return null;
  return (
    `Refusing to listen on ${host} without a token: anyone who can reach this address could read and write your experiments. ` +
    'Pass --token <secret> (or set MLDESK_TOKEN), or bind to 127.0.0.1.'
  );
}

/** Compares digests, so neither the bytes nor the length of the secret show in the timing. */
function tokensMatch(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The name of the token whose secret is `given`, or null. Every token is compared, so timing tells nothing. */
export function matchingTokenName(given: string, tokens: readonly NamedToken[]): string | null {
  let found: string | null = null;
  for (const token of tokens) if (tokensMatch(given, token.secret) && found === null) found = token.name;
  return found;
}

/** The secret of `Authorization: Bearer <secret>`; undefined without such a header. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match ? match[1]!.trim() : undefined;
}

export const UNAUTHENTICATED_MESSAGE = 'A valid bearer token is required (Authorization: Bearer <token>).';

/** Refuses every request without `Authorization: Bearer <token>` (401, MLflow's error shape). */
export function requireBearerToken(app: FastifyInstance, expected: string): void {
  const throttle = new FailedAttemptThrottle(DEFAULT_THROTTLE);
  app.addHook('onRequest', async (request, reply) => {
    const given = bearerOf(request.headers.authorization);
    const wait = throttle.blockedFor(request.ip);
    if (wait > 0) {
      const answer = throttledAnswer(wait);
      return reply.code(429).header('retry-after', answer.retryAfter).send(answer.body);
    }
    if (given === undefined || !tokensMatch(given, expected)) {
      // A request without any token is a client that forgot it, not a guess.
      if (given !== undefined) throttle.recordFailure(request.ip);
      return reply.code(401).header('www-authenticate', 'Bearer realm="mldesk"').send({ error_code: 'UNAUTHENTICATED', message: UNAUTHENTICATED_MESSAGE });
    }
  });
}
