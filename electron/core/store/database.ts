import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export type SqliteDatabase = Database.Database;

export class NewerDatabaseError extends Error {
  constructor(path: string, found: number) {
    super(
      `The database at ${path} was written by a newer MLDesk (schema version ${found}; this version ` +
        `understands up to ${SCHEMA_VERSION}). Upgrade MLDesk or point --data-dir at another directory; ` +
        `the database was left untouched.`,
    );
    this.name = 'NewerDatabaseError';
  }
}

/**
 * Opens (creating if needed) the lineage database: WAL journal, foreign keys on, and every pending
 * migration applied, each in its own transaction. synchronous=NORMAL in WAL mode keeps every
 * committed transaction across a process crash (SIGKILL); only a power loss can drop the last ones.
 */
export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    // First (it writes nothing): reading the schema version, switching to WAL and migrating need
    // locks another process opening the same data dir (or checkpointing it) may hold for a moment.
    db.pragma('busy_timeout = 5000');
    // Checked before anything writes: switching to WAL rewrites the file header, and a newer
    // app's database must be left byte for byte as it was.
    refuseNewer(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    migrate(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function refuseNewer(db: SqliteDatabase, path: string): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) throw new NewerDatabaseError(path, current);
  return current;
}

export function migrate(db: SqliteDatabase, path = 'database'): void {
  const current = refuseNewer(db, path);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      // Another process opening the same data dir may have applied it while this one waited.
      if ((db.pragma('user_version', { simple: true }) as number) >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
