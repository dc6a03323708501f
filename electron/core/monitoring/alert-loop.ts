/**
 * The loop a long-lived process (`mldesk serve`, the desktop app) runs for alerts: it announces
 * alerts that fired or resolved, in this process or in another one writing the same database (a
 * model server's window engine), as `alerts.changed` push events, and sends webhook deliveries
 * when due (webhook-delivery.ts). Pending deliveries survive restarts: they are rows.
 */
import type { AppEventBus } from '../app-events.js';
import type { SqliteDatabase } from '../store/database.js';
import { getAlert } from './alerts-store.js';
import { deliverDue, nextDueTime, type WebhookOptions } from './webhook-delivery.js';

export interface AlertLoopOptions extends WebhookOptions {
  /** How often the database is looked at for alert changes and due deliveries. */
  pollMs?: number;
}

export class AlertLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private cursor: number;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly events: AppEventBus,
    private readonly options: AlertLoopOptions = {},
  ) {
    // Alerts already there when the process starts were announced by whoever saw them change.
    this.cursor = (db.prepare('SELECT COALESCE(MAX(change_seq), 0) AS seq FROM alerts').get() as { seq: number }).seq;
  }

  start(): this {
    this.schedule(0);
    return this;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const poll = this.options.pollMs ?? 1000;
        const due = nextDueTime(this.db);
        this.schedule(due === null ? poll : Math.max(5, Math.min(poll, due - Date.now())));
      });
    }, delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      this.announce();
      await deliverDue(this.db, this.options);
    } catch (error) {
      // A closed or busy database must not kill the process; the next tick tries again.
      if (!this.stopped) process.emitWarning(`alerts: ${(error as Error).message}`);
    }
  }

  private announce(): void {
    const rows = this.db.prepare('SELECT alert_pk, change_seq FROM alerts WHERE change_seq > ? ORDER BY change_seq').all(this.cursor) as { alert_pk: number; change_seq: number }[];
    for (const row of rows) {
      this.cursor = row.change_seq;
      const alert = getAlert(this.db, row.alert_pk);
      if (alert) this.events.emit('alerts.changed', { id: alert.id, model: alert.model, version: alert.version, state: alert.state, message: alert.message });
    }
  }

  /** Stops the loop after the attempts in flight are recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
