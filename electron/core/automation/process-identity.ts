import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who runs a job, stable against pid reuse: a pid alone can be handed to an unrelated process
 * after a crash, so every identity carries the process's start time too (from /proc on Linux, from
 * `ps` elsewhere). Two identities are the same process only when host, pid and start time agree.
 */

/** The start time of a process as the OS reports it (clock ticks since boot on Linux), or null when it does not exist. */
export function processStartTime(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return fields[19] ?? null;
    } catch {
      return null;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || null;
  } catch {
    return null;
  }
}

export interface ProcessIdentity {
  host: string;
  pid: number;
  start: string;
}

export function formatIdentity(identity: ProcessIdentity): string {
  return `${identity.host}:${identity.pid}:${identity.start}`;
}

export function parseIdentity(text: string | null): ProcessIdentity | null {
  if (!text) return null;
  // The host may contain ':' (an IPv6-ish name); pid and start are the last two fields.
  const parts = text.split(':');
  if (parts.length < 3) return null;
  const start = parts.pop() as string;
  const pid = Number(parts.pop());
  const host = parts.join(':');
  if (!Number.isInteger(pid) || pid <= 0 || !host || !start) return null;
  return { host, pid, start };
}

let self: string | undefined;

/** This process's identity ("host:pid:start"), recorded as a running job's owner. */
export function ownerToken(): string {
  self ??= formatIdentity({ host: hostname(), pid: process.pid, start: processStartTime(process.pid) ?? String(Math.round(Date.now() - process.uptime() * 1000)) });
  return self;
}

/** The identity of a (child) process now, or null when it is gone. */
export function identityOf(pid: number): string | null {
  const start = processStartTime(pid);
  return start === null ? null : formatIdentity({ host: hostname(), pid, start });
}

/**
 * Whether the process an identity names still runs. An identity from another host counts as alive
 * (this machine cannot tell; that host's own MLDesk recovers it), and an unreadable one as dead.
 */
export function isIdentityAlive(text: string | null): boolean {
  const identity = parseIdentity(text);
  if (!identity) return false;
  if (identity.host !== hostname()) return true;
  return processStartTime(identity.pid) === identity.start;
}

/** Whether a process with this pid exists now (one we may not signal counts: EPERM). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process whose parent has not reaped it yet (a zombie) still answers signal 0.
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Signals a job's process group (its leader's pid, negated), so grandchildren get it too; a group
 * that has already ended (ESRCH) is not an error. Every job path that cancels or reaps uses this.
 */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The whole group has already ended.
  }
}
