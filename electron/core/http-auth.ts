/**
 * Who may call an MLDesk HTTP server: loopback addresses need nothing, any other bind needs a
 * bearer token (the tracking server and the model server alike).
 */
import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { isLoopbackAddress } from './http-guards.js';

/** A bind address that only this machine can reach (parsed: `127.evil.example` is not one). */
export function isLoopback(host: string): boolean {
  return isLoopbackAddress(host);
}

function tokensMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuses every request without `Authorization: Bearer <token>` (401, MLflow's error shape). */
export function requireBearerToken(app: FastifyInstance, expected: string): void {
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !tokensMatch(match[1]!.trim(), expected)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="mldesk"')
        .send({ error_code: 'UNAUTHENTICATED', message: 'A valid bearer token is required (Authorization: Bearer <token>).' });
    }
  });
}
