/**
 * The UI's Content-Security-Policy, one for the Electron window and for browsers of `mldesk serve`.
 * `frame-ancestors 'none'` (and X-Frame-Options for older browsers) keeps another site from
 * framing the UI and tricking a click onto approve, promote or delete.
 */
import type { FastifyInstance } from 'fastify';

/** `origin` is where the UI's API calls and images go: the page's own origin unless told otherwise. */
export function uiContentSecurityPolicy(origin = "'self'"): string {
  const own = origin === "'self'" ? "'self'" : `'self' ${origin}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src ${own} data:`,
    "font-src 'self'",
    `connect-src ${own}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Sends the UI's policy with every HTML page that does not set its own (artifacts set a sandbox). */
export function sendUiSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-frame-options', 'DENY');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && reply.getHeader('content-security-policy') === undefined) {
      reply.header('content-security-policy', uiContentSecurityPolicy());
    }
    return payload;
  });
}
