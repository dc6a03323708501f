import { Agent, request } from 'node:http';

/** One keep-alive connection, as an MLflow client session (requests.Session) would hold. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

export interface HttpReply {
  status: number;
  body: string;
  /** From just before the request was written to the end of the response body, in ms. */
  elapsedMs: number;
}

export function httpRequest(baseUrl: string, method: 'GET' | 'POST', path: string, payload?: unknown): Promise<HttpReply> {
  const url = new URL(path, baseUrl);
  const body = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      url,
      {
        method,
        agent,
        headers: body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), elapsedMs: performance.now() - started }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs JSON and returns the parsed reply; anything but 200 is an error naming the endpoint. */
export async function postJson<T>(baseUrl: string, path: string, payload: unknown): Promise<T> {
  const reply = await httpRequest(baseUrl, 'POST', path, payload);
  if (reply.status !== 200) throw new Error(`POST ${path} answered ${reply.status}: ${reply.body.slice(0, 300)}`);
  return JSON.parse(reply.body) as T;
}

export function closeHttpClient(): void {
  agent.destroy();
}
