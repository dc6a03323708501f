/**
 * The desktop app's embedded server answers only its own window. The window talks to the services
 * over IPC but loads the UI (and artifact images) from this loopback server, which any local
 * process could otherwise call, `/app-api` included. Each launch draws a random secret; the main
 * process adds it as a header to the window's requests to this origin, and the server refuses
 * every request without it.
 */
import type { FastifyInstance } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sameOrigin } from '../core/http-guards.js';

export const LAUNCH_SECRET_HEADER = 'x-mldesk-launch-secret';

export function newLaunchSecret(): string {
  return randomBytes(32).toString('base64url');
}

function secretsMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Refuses (403) every request that does not carry the launch secret: in its header (the window), or
 * as a bearer token (the app's own job processes, whose MLflow client sends MLFLOW_TRACKING_TOKEN so).
 */
export function requireLaunchSecret(app: FastifyInstance, secret: string): void {
  app.addHook('onRequest', async (request, reply) => {
    const given = request.headers[LAUNCH_SECRET_HEADER];
    if (typeof given === 'string' && secretsMatch(given, secret)) return;
    const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && secretsMatch(bearer, secret)) return;
    return reply.code(403).send({
      error_code: 'PERMISSION_DENIED',
      message: `This server belongs to the MLDesk window that started it and answers only requests carrying its per-launch secret (${LAUNCH_SECRET_HEADER}).`,
    });
  });
}

/**
 * The headers of a request the window sends: the secret is added for the server's own origin
 * (compared whole, so `:51234` is not `:5123`) and never leaks to any other address.
 */
export function windowRequestHeaders(url: string, headers: Record<string, string>, serverOrigin: string, secret: string): Record<string, string> {
  const out = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== LAUNCH_SECRET_HEADER));
  if (sameOrigin(url, serverOrigin)) out[LAUNCH_SECRET_HEADER] = secret;
  return out;
}
