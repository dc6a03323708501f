import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project root: bench/ sits directly under it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../bin/mldesk.js', import.meta.url));

export interface MemorySample {
  /** Resident set size now, in bytes. */
  rssBytes: number;
  /** Resident set high-water mark since the process started, in bytes. */
  hwmBytes: number;
}

export interface ServerProcess {
  pid: number;
  url: string;
  dataDir: string;
  memory(): MemorySample;
  /** SIGTERM, then waits for the clean shutdown (in-flight requests finish, the database is closed). */
  stop(): Promise<void>;
}

/** Reads VmRSS and VmHWM (kB) from /proc/<pid>/status; Linux only. */
export function readMemory(pid: number): MemorySample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${name} line`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: field('VmRSS'), hwmBytes: field('VmHWM') };
}

/** Samples VmRSS every `intervalMs` until stopped; returns the highest sample seen. */
export function sampleRss(pid: number, intervalMs = 50): { stop(): number } {
  let peak = readMemory(pid).rssBytes;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, readMemory(pid).rssBytes);
    } catch {
      // the process has exited; keep the last peak
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, readMemory(pid).rssBytes);
      } catch {
        // as above
      }
      return peak;
    },
  };
}

/**
 * Starts `node bin/mldesk.js serve --port 0 --data-dir <dir>` as a child process and resolves once it
 * prints its `MLDesk listening on http://...` line. The child is node itself (no shell in between),
 * so its pid is the server's pid. `options.nodeArgs` and then BENCH_SERVER_NODE_ARGS (e.g. "--cpu-prof") are passed to node.
 */
export async function startServerProcess(dataDir: string, options: { nodeArgs?: string[] } = {}): Promise<ServerProcess> {
  const nodeArgs = [...(options.nodeArgs ?? []), ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
  // Loopback needs no token; an inherited MLDESK_TOKEN would make every request need one.
  const env = { ...process.env };
  delete env.MLDESK_TOKEN;
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const url = await listeningUrl(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    pid: child.pid!,
    url,
    dataDir,
    memory: () => readMemory(child.pid!),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail(new Error(`mldesk serve did not print its address within 20 s.\n${stderr}`)), 20_000);
    const onExit = (code: number | null, signal: string | null) =>
      fail(new Error(`mldesk serve exited early (code ${code}, signal ${signal}).\n${stderr}`));
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.kill('SIGKILL');
      reject(error);
    };
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /MLDesk listening on (http:\/\/\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        child.off('exit', onExit);
        // Keep draining the pipes so the child never blocks on a full one.
        child.stdout!.removeAllListeners('data').resume();
        resolve(match[1]!);
      }
    });
    child.once('exit', onExit);
  });
}
