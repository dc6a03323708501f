/**
 * Who owns a prediction journal. A model server's prediction log holds `<owner>.lock` (in the
 * journal folder) from start to close: an exclusive SQLite lock on that file, a POSIX advisory
 * lock underneath, which the operating system releases when the process ends, however it ends.
 * A journal may be replayed by another process iff its owner's lock can be taken. A pid, which
 * the system hands to the next process, can say "alive" for a server that is long gone; a lock
 * cannot outlive its holder. SQLite keeps the lock per process correct across connections (and
 * threads) of one process, so the app's own deployments count as alive too.
 */
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';

/** `<pid>-<uuid>`: the pid is for people reading the folder; only the lock decides. */
export const OWNER_PATTERN = '\\d+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const OWNER_LOCK_FILE = new RegExp(`^(${OWNER_PATTERN})\\.lock$`);

const lockPath = (dir: string, owner: string) => join(dir, `${owner}.lock`);

/** The owner named by a lock file's name, or null for any other file. */
export function isOwnerLockName(name: string): string | null {
  return OWNER_LOCK_FILE.exec(name)?.[1] ?? null;
}

/** The lock of a running prediction log; release() at close. */
export class JournalOwnerLock {
  private constructor(
    readonly owner: string,
    private readonly path: string,
    private db: Database.Database | null,
  ) {}

  /**
   * Takes a new owner's lock. The file is locked under a temporary name and then renamed, so a
   * lock file under its own name is always held by a live owner or left by a dead one.
   */
  static acquire(dir: string): JournalOwnerLock {
    const owner = `${process.pid}-${uuidv7()}`;
    const staging = join(dir, `.${owner}.locking`);
    const db = new Database(staging);
    try {
      // Nothing is ever written: an in-memory rollback journal leaves no -journal file beside it.
      db.pragma('journal_mode = MEMORY');
      db.exec('BEGIN EXCLUSIVE');
      renameSync(staging, lockPath(dir, owner));
    } catch (error) {
      db.close();
      rmSync(staging, { force: true });
      throw error;
    }
    return new JournalOwnerLock(owner, lockPath(dir, owner), db);
  }

  /** Gives the lock up and removes its file: journals left behind (a writer that failed) become replayable. */
  release(): void {
    if (!this.db) return;
    this.db.close();
    this.db = null;
    rmSync(this.path, { force: true });
  }
}

/** Whether the owner's lock is held (by any process, this one included). A missing lock file means gone. */
export function ownerAlive(dir: string, owner: string): boolean {
  const path = lockPath(dir, owner);
  if (!existsSync(path)) return false;
  let probe: Database.Database;
  try {
    probe = new Database(path, { fileMustExist: true, timeout: 0 });
  } catch {
    // Removed between the check and the open: its owner is gone.
    return existsSync(path);
  }
  try {
    probe.pragma('journal_mode = MEMORY');
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('ROLLBACK');
    return false;
  } catch {
    // SQLITE_BUSY: the owner holds it. Anything else (an unreadable file): hands off, rather than
    // replay a journal that may be in use.
    return true;
  } finally {
    probe.close();
  }
}

export function removeOwnerLock(dir: string, owner: string): void {
  rmSync(lockPath(dir, owner), { force: true });
}
