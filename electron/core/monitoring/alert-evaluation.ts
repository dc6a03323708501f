/**
 * Alert evaluation (issue 13). CONTRACT STUB written by the lead: the alerts helper replaces the
 * body; the window engine calls it after it stores a version's windows.
 */
import type { SqliteDatabase } from '../store/database.js';

/** Re-evaluates the alert rules of the version's model against its stored windows; fires or resolves alerts. */
export function evaluateAlerts(db: SqliteDatabase, versionPk: number, now = Date.now()): void {
  void db;
  void versionPk;
  void now;
}
