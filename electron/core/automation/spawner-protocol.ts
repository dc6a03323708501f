/** Messages between a job spawner process (spawner-process.ts) and the process that keeps the jobs (job-spawner.ts). */

export interface SpawnRequestMessage {
  t: 'spawn';
  id: number;
  argv: string[];
  cwd: string | undefined;
  env: Record<string, string | undefined>;
}

export type SpawnerReply =
  /** The process runs; `start` is its start time as process-identity.ts reads it (null when it already ended). */
  | { t: 'started'; id: number; pid: number; start: string | null }
  | { t: 'out'; id: number; chunk: string; stream: 'stdout' | 'stderr' }
  /** It never started (missing program, bad cwd): the OS's words. */
  | { t: 'error'; id: number; message: string }
  | { t: 'close'; id: number; code: number | null; signal: NodeJS.Signals | null };
