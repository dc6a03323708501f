import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertRuleSpecSchema } from '../../../shared/alerts.js';
import type { AppEvent } from '../../../shared/app-api/events.js';
import { createAppHandlers } from '../../api/app-handlers.js';
import { dispatch } from '../../api/dispatch.js';
import { createServices } from '../services.js';
import { TrackingStore } from '../store/tracking-store.js';
import { evaluateAlerts } from './alert-evaluation.js';
import { AlertLoop } from './alert-loop.js';
import { insertWindow, registerVersion } from './alert-test-fixtures.js';
import { createRule, listDeliveries } from './alerts-store.js';
import { backoffDelay } from './webhook-delivery.js';
import type { WebhookPayload } from './webhook-payload.js';

let dir: string;
let store: TrackingStore;
let receiver: Server;
let url: string;
let received: { time: number; body: WebhookPayload; headers: IncomingMessage['headers'] }[];
let failFirst: number;
/** How long the receiver takes to answer. */
let answerDelayMs: number;
const loops: AlertLoop[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-webhooks-'));
  store = TrackingStore.open(dir);
  received = [];
  failFirst = 0;
  answerDelayMs = 0;
  receiver = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push({ time: Date.now(), body: JSON.parse(text) as WebhookPayload, headers: request.headers });
      response.statusCode = received.length <= failFirst ? 503 : 200;
      setTimeout(() => response.end(), answerDelayMs);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterEach(async () => {
  await Promise.all(loops.splice(0).map((loop) => loop.stop()));
  await new Promise((resolve) => receiver.close(resolve));
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, read: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A firing accuracy alert on model churn v1, with a webhook to the receiver. */
function fireAlert(): void {
  const versionPk = registerVersion(store.db, 'churn');
  createRule(store.db, { model: 'churn', rule: AlertRuleSpecSchema.parse({ kind: 'quality', metric: 'accuracy', threshold: 0.8 }), webhookUrl: url });
  insertWindow(store.db, versionPk, 1000, [{ kind: 'quality', column: 'accuracy', statistic: 0.5 }]);
  evaluateAlerts(store.db, versionPk);
}

describe('webhook delivery', () => {
  it('retries with exponential back-off until the receiver accepts, logging every attempt', async () => {
    failFirst = 2;
    fireAlert();
    loops.push(new AlertLoop(store.db, store.events, { baseDelayMs: 150, pollMs: 20, baseUrl: 'http://mldesk.test:5000' }).start());
    const [delivery] = await until('delivery', () => listDeliveries(store.db, { limit: 10 }).find((d) => d.status === 'delivered') && listDeliveries(store.db, { limit: 10 }));
    expect(delivery).toMatchObject({ event: 'firing', attempts: 3, status: 'delivered', lastHttpStatus: 200, lastError: null, url });
    expect(delivery!.attemptLog.map((a) => [a.attempt, a.httpStatus, a.error])).toEqual([
      [1, 503, 'HTTP 503'],
      [2, 503, 'HTTP 503'],
      [3, 200, null],
    ]);
    expect(received).toHaveLength(3);
    // 150 ms, then 300 ms: each gap at least the back-off.
    expect(received[1]!.time - received[0]!.time).toBeGreaterThanOrEqual(150);
    expect(received[2]!.time - received[1]!.time).toBeGreaterThanOrEqual(300);
    const body = received[2]!.body;
    expect(body).toMatchObject({ event: 'firing', model: { name: 'churn' }, version: { version: '1' }, alert: { state: 'firing', model: 'churn' } });
    expect(body.evidence.windows).toEqual([{ id: body.alert.evidence.windows[0], from: 1000, to: 2000, rows: 100, labelledRows: 100 }]);
    expect(body.links.model).toBe('http://mldesk.test:5000/#/models/churn');
    expect(body.links.windows).toEqual([`http://mldesk.test:5000/#/models/churn?version=1&tab=monitoring&window=${body.alert.evidence.windows[0]}`]);
    expect(received[0]!.headers['content-type']).toBe('application/json');
  });

  it('gives up after the most attempts, marking the delivery failed', async () => {
    failFirst = 100;
    fireAlert();
    loops.push(new AlertLoop(store.db, store.events, { baseDelayMs: 5, pollMs: 10, maxAttempts: 3 }).start());
    const [delivery] = await until('failure', () => listDeliveries(store.db, { limit: 10 }).find((d) => d.status === 'failed') && listDeliveries(store.db, { limit: 10 }));
    expect(delivery).toMatchObject({ attempts: 3, status: 'failed', nextAttemptTime: null, lastHttpStatus: 503 });
    expect(received).toHaveLength(3);
  });

  it('sends deliveries left pending by a stopped process when the next one starts', async () => {
    fireAlert();
    store.close();
    // A new process on the same data directory: its loop finds the pending delivery.
    store = TrackingStore.open(dir);
    const events: AppEvent[] = [];
    store.events.subscribe((event) => events.push(event));
    loops.push(new AlertLoop(store.db, store.events, { pollMs: 20 }).start());
    await until('delivery', () => received.length === 1);
    await until('delivered', () => listDeliveries(store.db, { limit: 10 })[0]?.status === 'delivered');
    // It was announced by the process that saw it fire, not again on start.
    expect(events.filter((e) => e.type === 'alerts.changed')).toEqual([]);
  });

  it('sends a delivery once when two processes on the same data directory run the loop', async () => {
    // A slow receiver: both loops poll many times while the first attempt is in flight.
    answerDelayMs = 200;
    fireAlert();
    const other = TrackingStore.open(dir);
    try {
      const both = [new AlertLoop(store.db, store.events, { pollMs: 5 }), new AlertLoop(other.db, other.events, { pollMs: 5 })];
      loops.push(...both.map((loop) => loop.start()));
      await until('delivered', () => listDeliveries(store.db, { limit: 10 })[0]?.status === 'delivered');
      await Promise.all(both.map((loop) => loop.stop()));
      expect(received).toHaveLength(1);
    } finally {
      other.close();
    }
  });

  it('announces alerts fired by another connection as alerts.changed events', async () => {
    const events: AppEvent[] = [];
    store.events.subscribe((event) => events.push(event));
    loops.push(new AlertLoop(store.db, store.events, { pollMs: 20 }).start());
    const other = TrackingStore.open(dir);
    try {
      const versionPk = registerVersion(other.db, 'churn');
      createRule(other.db, { model: 'churn', rule: AlertRuleSpecSchema.parse({ kind: 'dataset_drift' }) });
      insertWindow(other.db, versionPk, 1000, [{ kind: 'dataset_drift', column: '*', method: 'share', statistic: 0.6, drifted: true }]);
      evaluateAlerts(other.db, versionPk);
    } finally {
      other.close();
    }
    const event = await until('event', () => events.find((e) => e.type === 'alerts.changed'));
    expect(event.payload).toMatchObject({ model: 'churn', version: '1', state: 'firing' });
  });

  it('refuses webhooks that are not http(s), naming the field', async () => {
    registerVersion(store.db, 'churn');
    const handlers = createAppHandlers(createServices({ store }));
    const result = await dispatch(handlers, 'alerts.rules.create', { model: 'churn', rule: { kind: 'dataset_drift' }, webhookUrl: 'file:///etc/passwd' });
    expect(result).toEqual({ ok: false, error: { code: 'INVALID_PARAMETER_VALUE', message: "Field 'webhookUrl': must be an http:// or https:// URL" } });
    const missing = await dispatch(handlers, 'alerts.rules.create', { model: 'churn', rule: { kind: 'quality', threshold: 0.8 } });
    expect(missing).toMatchObject({ ok: false, error: { code: 'INVALID_PARAMETER_VALUE' } });
    expect((missing as { error: { message: string } }).error.message).toContain("Field 'rule.metric'");
    const unknown = await dispatch(handlers, 'alerts.rules.create', { model: 'nope', rule: { kind: 'dataset_drift' } });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'RESOURCE_DOES_NOT_EXIST', message: "Registered model 'nope' not found." } });
  });

  it('backs off 1 s, 2 s, 4 s ... capped', () => {
    expect([1, 2, 3, 4, 20].map((n) => backoffDelay(n))).toEqual([1000, 2000, 4000, 8000, 300_000]);
  });
});
