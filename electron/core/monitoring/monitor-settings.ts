/**
 * Per-model monitoring settings (window, minimum window size, dataset-drift share, per-column
 * overrides), kept in `monitoring_settings`. Their hash names the series of windows computed under
 * them: changing them starts a new series, the old windows stay as they were computed.
 */
import { createHash } from 'node:crypto';
import { MonitorSettingsSchema, type MonitorSettings, type WindowSpec } from '../../../shared/monitoring.js';
import { notFound } from '../errors.js';
import type { SqliteDatabase } from '../store/database.js';

/** What a model monitors by before anyone changes it. */
export const DEFAULT_MONITOR_SETTINGS: MonitorSettings = MonitorSettingsSchema.parse({});

function modelId(db: SqliteDatabase, model: string): number {
  const row = db.prepare('SELECT model_id FROM registered_models WHERE name = ?').get(model) as { model_id: number } | undefined;
  if (!row) throw notFound(`Registered Model with name=${model} not found`);
  return row.model_id;
}

/** The settings stored for a model, else the defaults; a stored row that no longer parses reads as the defaults. */
export function readMonitorSettings(db: SqliteDatabase, model: string): MonitorSettings {
  return settingsOfModelId(db, modelId(db, model));
}

export function settingsOfModelId(db: SqliteDatabase, id: number): MonitorSettings {
  const row = db.prepare('SELECT settings_json FROM monitoring_settings WHERE model_id = ?').get(id) as { settings_json: string } | undefined;
  if (!row) return DEFAULT_MONITOR_SETTINGS;
  const parsed = MonitorSettingsSchema.safeParse(JSON.parse(row.settings_json));
  return parsed.success ? parsed.data : DEFAULT_MONITOR_SETTINGS;
}

/** Stores already-validated settings (the API and CLI parse them with MonitorSettingsSchema first). */
export function writeMonitorSettings(db: SqliteDatabase, model: string, settings: MonitorSettings, now = Date.now()): MonitorSettings {
  const parsed = MonitorSettingsSchema.parse(settings);
  const id = modelId(db, model);
  db.prepare(
    `INSERT INTO monitoring_settings (model_id, settings_json, updated_time) VALUES (?, ?, ?)
     ON CONFLICT (model_id) DO UPDATE SET settings_json = excluded.settings_json, updated_time = excluded.updated_time`,
  ).run(id, JSON.stringify(parsed), now);
  return parsed;
}

/** JSON with object keys sorted, so equal settings hash equally whatever order they were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function settingsSha256(settings: MonitorSettings): string {
  return createHash('sha256').update(canonical(settings)).digest('hex');
}

/** The `spec` column of a window row: `count:1000`, `hour`, `day`. */
export function specText(spec: WindowSpec): string {
  return spec.by === 'count' ? `count:${spec.size}` : spec.by;
}
