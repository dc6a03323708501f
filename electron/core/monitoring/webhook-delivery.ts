/**
 * Sends queued webhook deliveries (webhook_deliveries, queued by alert evaluation): POST of the
 * stored JSON body, retried with exponential back-off (base, 2×base, 4×base, ... capped) up to a
 * number of attempts, every attempt logged. The queue lives in the database, so deliveries pending
 * when a process stopped are sent by the next one; a short lease keeps two processes on the same
 * data directory from sending one delivery twice at once.
 */
import type { SqliteDatabase } from '../store/database.js';

export interface WebhookOptions {
  /** First retry delay; doubles per failed attempt. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Attempts before a delivery is marked failed. */
  maxAttempts?: number;
  /** Per-attempt HTTP timeout. */
  timeoutMs?: number;
  /** The server's own URL: links in bodies (paths) are made absolute with it. */
  baseUrl?: string;
}

export const WEBHOOK_DEFAULTS = { baseDelayMs: 1000, maxDelayMs: 5 * 60_000, maxAttempts: 8, timeoutMs: 10_000 } as const;

/** The delay before attempt `attempt + 1`, after `attempt` failed ones. */
export function backoffDelay(attempt: number, options: Pick<WebhookOptions, 'baseDelayMs' | 'maxDelayMs'> = {}): number {
  const base = options.baseDelayMs ?? WEBHOOK_DEFAULTS.baseDelayMs;
  const max = options.maxDelayMs ?? WEBHOOK_DEFAULTS.maxDelayMs;
  return Math.min(max, base * 2 ** Math.max(0, attempt - 1));
}

interface DueRow {
  delivery_pk: number;
  url: string;
  payload_json: string;
  attempts: number;
  next_attempt_time: number;
}

function absoluteLinks(payload: string, baseUrl: string | undefined): string {
  if (!baseUrl) return payload;
  const body = JSON.parse(payload) as { links?: { model?: string; alerts?: string; windows?: string[] } };
  const abs = (path: string) => `${baseUrl.replace(/\/+$/, '')}${path}`;
  if (body.links) {
    body.links = {
      ...body.links,
      model: body.links.model && abs(body.links.model),
      alerts: body.links.alerts && abs(body.links.alerts),
      windows: body.links.windows?.map(abs),
    };
  }
  return JSON.stringify(body);
}

/** Sends the deliveries that are due, one pass. Returns how many attempts it made. */
export async function deliverDue(db: SqliteDatabase, options: WebhookOptions = {}, now: () => number = Date.now): Promise<number> {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs;
  const maxAttempts = options.maxAttempts ?? WEBHOOK_DEFAULTS.maxAttempts;
  const due = db
    .prepare("SELECT delivery_pk, url, payload_json, attempts, next_attempt_time FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_time <= ? ORDER BY next_attempt_time LIMIT 50")
    .all(now()) as DueRow[];
  const lease = db.prepare("UPDATE webhook_deliveries SET next_attempt_time = ? WHERE delivery_pk = ? AND status = 'pending' AND next_attempt_time = ?");
  const logAttempt = db.prepare('INSERT OR REPLACE INTO webhook_attempts (delivery_pk, attempt, time, http_status, error) VALUES (?, ?, ?, ?, ?)');
  const settle = db.prepare(
    'UPDATE webhook_deliveries SET attempts = ?, status = ?, last_http_status = ?, last_error = ?, next_attempt_time = ?, updated_time = ? WHERE delivery_pk = ?',
  );
  let made = 0;
  await Promise.all(
    due.map(async (row) => {
      // Another process holding the same database may have taken it since the select.
      if (lease.run(now() + timeoutMs + 5000, row.delivery_pk, row.next_attempt_time).changes !== 1) return;
      const attempt = row.attempts + 1;
      const started = now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        const response = await fetch(row.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'MLDesk-Alerts', 'x-mldesk-delivery': String(row.delivery_pk) },
          body: absoluteLinks(row.payload_json, options.baseUrl),
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'manual',
        });
        status = response.status;
        await response.body?.cancel();
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (e) {
        error = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : ((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message);
      }
      made += 1;
      const ended = now();
      const state = error === null ? 'delivered' : attempt >= maxAttempts ? 'failed' : 'pending';
      const next = state === 'pending' ? ended + backoffDelay(attempt, options) : null;
      db.transaction(() => {
        logAttempt.run(row.delivery_pk, attempt, started, status, error);
        settle.run(attempt, state, status, error, next, ended, row.delivery_pk);
      })();
    }),
  );
  return made;
}

/** When the next pending delivery is due (ms since the epoch), or null when none is pending. */
export function nextDueTime(db: SqliteDatabase): number | null {
  const row = db.prepare("SELECT MIN(next_attempt_time) AS next FROM webhook_deliveries WHERE status = 'pending'").get() as { next: number | null };
  return row.next;
}
