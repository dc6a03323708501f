/**
 * CPU time per process over a stretch of a bench, from /proc (Linux): where a trial's time goes
 * when the machine is shared (2 cores: the controller, the worker, its spawner and redis-server
 * compete with each other and with the job processes). Elsewhere it reports nothing.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

interface CpuTimes {
  /** The process's own user + system time, ms. */
  own: number;
  /** Its waited-for children's (the job processes a spawner started), ms. */
  children: number;
}

function readTimes(pid: number): CpuTimes | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return { own: (utime! + stime!) * TICK_MS, children: (cutime! + cstime!) * TICK_MS };
  } catch {
    return null;
  }
}

/** The direct children of a process (the spawner of a worker or of the local pool). */
export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .trim()
        .split(' ')
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

export interface CpuSample {
  /** Per named process: CPU ms; a spawner's `jobs` entry is its job processes' time. */
  take(): Record<string, number>;
}

/**
 * Starts counting for the named processes; `take()` gives each one's CPU ms since, and
 * `<name> jobs` for the time of the children it waited for (the no-op job processes).
 */
export function startCpuSample(pids: Record<string, number | undefined>): CpuSample {
  const start = new Map<string, { pid: number; times: CpuTimes }>();
  for (const [name, pid] of Object.entries(pids)) {
    const times = pid === undefined ? null : readTimes(pid);
    if (pid !== undefined && times) start.set(name, { pid, times });
  }
  return {
    take() {
      const result: Record<string, number> = {};
      for (const [name, { pid, times }] of start) {
        const now = readTimes(pid);
        if (!now) continue;
        result[name] = now.own - times.own;
        if (now.children - times.children > 0) result[`${name} jobs`] = now.children - times.children;
      }
      return result;
    },
  };
}
