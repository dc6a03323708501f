import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NewerDatabaseError, openDatabase } from './database.js';
import { SCHEMA_VERSION } from './migrations.js';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mldesk-db-'));
  dirs.push(dir);
  return join(dir, 'mldesk.db');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('creates the schema at the current version with WAL and foreign keys on', () => {
    const path = tempDb();
    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['experiments', 'runs', 'params', 'metrics', 'latest_metrics', 'tags', 'artifacts', 'datasets', 'lineage_edges']));
    db.close();
  });

  it('declares tables STRICT so a wrongly typed value is refused, not coerced', () => {
    const db = openDatabase(tempDb());
    expect(() =>
      db.prepare("INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (5, 'x', 'y', 'not a time', 1)").run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    db.close();
  });

  it('enforces foreign keys', () => {
    const db = openDatabase(tempDb());
    expect(() => db.prepare("INSERT INTO params (run_pk, key, value) VALUES (999, 'k', 'v')").run()).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('reopens an existing database without re-running migrations', () => {
    const path = tempDb();
    const first = openDatabase(path);
    first.prepare("INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time) VALUES (7, 'kept', 'loc', 1, 1)").run();
    first.close();
    const second = openDatabase(path);
    expect(second.prepare('SELECT name FROM experiments WHERE experiment_id = 7').get()).toEqual({ name: 'kept' });
    second.close();
  });

  it('refuses a database written by a newer version and leaves it untouched', () => {
    const path = tempDb();
    const raw = new Database(path);
    raw.exec('CREATE TABLE future (x INTEGER)');
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const sizeBefore = statSync(path).size;
    expect(() => openDatabase(path)).toThrow(NewerDatabaseError);
    expect(() => openDatabase(path)).toThrow(new RegExp(`newer MLDesk.*schema version ${SCHEMA_VERSION + 1}`, "s"));
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'runs'").get()).toEqual({ n: 0 });
    check.close();
    expect(statSync(path).size).toBe(sizeBefore);
  });

  it('rolls a failing migration back as a whole', () => {
    const path = tempDb();
    const raw = new Database(path);
    // A clashing table makes migration 1 fail part-way; nothing of it may remain.
    raw.exec('CREATE TABLE runs (x INTEGER)');
    raw.close();
    expect(() => openDatabase(path)).toThrow(/already exists/);
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(0);
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'experiments'").get()).toEqual({ n: 0 });
    check.close();
  });
});
