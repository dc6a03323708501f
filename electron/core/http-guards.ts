/**
 * Which browsers may talk to an MLDesk HTTP server (the tracking server and the model server alike).
 *
 * - DNS rebinding: a page on `http://evil.test:PORT` whose name is re-pointed at 127.0.0.1 reaches
 *   a loopback server as a same-origin page. Its requests still carry `Host: evil.test:PORT`, so a
 *   server without a token answers only requests whose Host names loopback.
 * - Cross-site requests: a page the user visits may post to the server (text/plain bodies need no
 *   CORS preflight). Browsers send Origin on those; MLflow clients and curl send none. An Origin
 *   is accepted only when it is the server's own origin, compared whole (scheme, host and port).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isIP } from 'node:net';

/** True for `localhost`, 127.0.0.0/8, ::1 and IPv4-mapped 127.0.0.0/8; brackets around IPv6 allowed. */
export function isLoopbackAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (bare.toLowerCase() === 'localhost') return true;
  const family = isIP(bare);
  if (family === 4) return bare.split('.')[0] === '127';
  if (family !== 6) return false;
  // The URL parser writes every IPv6 address in one canonical form (::1, ::ffff:7f00:1).
  let canonical: string;
  try {
    canonical = new URL(`http://[${bare}]/`).hostname;
  } catch {
    return false; // zone ids (fe80::1%eth0) are never loopback
  }
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

export interface HostHeader {
  /** As written, IPv6 without its brackets. */
  hostname: string;
  port?: number;
}

/**
 * Parses a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`). Null for anything else,
 * including user info, paths or several colons outside brackets.
 */
export function parseHostHeader(value: string): HostHeader | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+))(?::(\d{1,5}))?$/.exec(value);
  if (!match) return null;
  const hostname = match[1] ?? match[2]!;
  if (match[1] !== undefined && isIP(hostname) !== 6) return null;
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (port !== undefined && port > 65535) return null;
  return { hostname, port };
}

/** True when the Host header names a loopback address (with or without a port). */
export function hostNamesLoopback(value: string): boolean {
  const parsed = parseHostHeader(value);
  return parsed !== null && isLoopbackAddress(parsed.hostname);
}

/** `new URL(u).origin`, or null for anything that is not an http(s) URL. */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null;
  } catch {
    return null;
  }
}

/** Whether two URLs share one origin (scheme, host and port), e.g. a frame's URL and the server's. */
export function sameOrigin(url: string, origin: string): boolean {
  const a = originOf(url);
  return a !== null && a === originOf(origin);
}

/**
 * The origins a page served by this server has: the address the request was sent to, over http
 * (what the server speaks) or https (a TLS proxy in front of a token-protected server).
 */
export function ownOrigins(hostHeader: string | undefined): string[] {
  if (hostHeader === undefined || parseHostHeader(hostHeader) === null) return [];
  return [originOf(`http://${hostHeader}`), originOf(`https://${hostHeader}`)].filter((origin): origin is string => origin !== null);
}

/** Whether a request with this Origin may be answered; `null` origins only for reads. */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined, method: string): boolean {
  if (origin === undefined) return true;
  if (origin === 'null') return method === 'GET' || method === 'HEAD';
  const given = originOf(origin);
  return given !== null && ownOrigins(hostHeader).includes(given);
}

export interface GuardOptions {
  /** Set on servers without a token: only Host headers naming loopback are answered. */
  loopbackHostOnly: boolean;
  /** What the server is, for messages ("this MLDesk server", "this model server"). */
  serverName?: string;
}

function refuse(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(403).send({ error_code: 'PERMISSION_DENIED', message });
}

/** The Host and Origin checks as a function of one request: a refusal message, or null to go on. */
export function guardRefusal(request: Pick<FastifyRequest, 'headers' | 'method'>, options: GuardOptions): string | null {
  const name = options.serverName ?? 'this MLDesk server';
  const host = request.headers.host;
  // A browser always sends Host; only non-browser clients (HTTP/1.0) can leave it out.
  if (options.loopbackHostOnly && host !== undefined && !hostNamesLoopback(host)) {
    return (
      `Host '${host}' refused: ${name} listens on loopback without a token and answers only requests addressed to ` +
      '127.0.0.1, localhost or [::1] (a page whose name resolves here is not allowed to call it).'
    );
  }
  const origin = request.headers.origin;
  if (!originAllowed(origin, host, request.method)) {
    return `Cross-origin request from ${origin} refused: only the MLDesk UI served by ${name} may call it.`;
  }
  return null;
}

/** Installs the Host and Origin checks as the first onRequest hook of a server. */
export function installRequestGuards(app: FastifyInstance, options: GuardOptions): void {
  app.addHook('onRequest', async (request, reply) => {
    const refusal = guardRefusal(request, options);
    if (refusal !== null) return refuse(reply, refusal);
  });
}

/**
 * Fastify's own refusals before routing (a malformed `%` escape such as `%E0%A4%A` or a trailing
 * `%` in the path) in MLflow's error shape, like every other 4xx of these servers.
 */
export function frameworkErrorReply(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const message = error.code === 'FST_ERR_BAD_URL' ? `Malformed percent-encoding in the request path: ${error.message}.` : error.message;
  void reply.code(status).send({ error_code: status === 400 ? 'INVALID_PARAMETER_VALUE' : 'BAD_REQUEST', message });
}
