/**
 * Refusals are bounded on the writer thread (while the database is busy) and on disk (the newest
 * KEEP_PER_MODEL per model), on a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../store/database.js';
import { KEEP_PER_MODEL, listRefusals, MAX_UNWRITTEN, RefusalWriter, type Refusal } from './prediction-refusals.js';

let dir: string;
let db: SqliteDatabase;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mldesk-refusals-'));
  db = openDatabase(join(dir, 'mldesk.db'));
  db.pragma('busy_timeout = 50');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const refusal = (model: string, n: number): Refusal => ({ model, version: '1', endpoint: 'tfserving', status: 400, code: 'INVALID_PARAMETER_VALUE', reason: `bad ${n}`, input: `{"n":${n}}`, timestamp: n });

it('keeps what a busy database refused for the next write, the newest when too many wait, and the newest per model on disk', () => {
  const writer = new RefusalWriter(db);
  const other = new Database(db.name);
  other.exec('BEGIN IMMEDIATE');
  writer.add(Array.from({ length: MAX_UNWRITTEN + 300 }, (_, n) => refusal('iris', n)));
  writer.add([refusal('churn', 0)]);
  expect(() => writer.write()).toThrow(/locked|busy/i);
  expect(writer.dropped).toBe(301);
  other.exec('COMMIT');
  other.close();
  writer.write();
  const iris = listRefusals(db, 'iris', 10_000);
  expect(iris.length).toBe(KEEP_PER_MODEL);
  expect(iris[0]!.reason).toBe(`bad ${MAX_UNWRITTEN + 299}`);
  expect(iris.at(-1)!.reason).toBe(`bad ${MAX_UNWRITTEN + 300 - KEEP_PER_MODEL}`);
  expect(listRefusals(db, 'churn')).toHaveLength(1);
  // Written once: nothing waits any more.
  writer.write();
  expect(listRefusals(db, 'iris', 10_000).length).toBe(KEEP_PER_MODEL);
});
