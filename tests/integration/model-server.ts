/**
 * `mldesk serve-model` as a child process for integration tests: started with --port 0 on a data
 * dir, resolved once it prints its listening line, stopped with a signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { childEnv, CLI, REPO_ROOT } from './server-process.js';

const LISTENING = /^MLDesk model server for (\S+) version (\S+) listening on (http:\/\/\S+)\s*$/m;

export interface ModelServer {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

/** Every child started here, for the afterAll hook to kill. */
export const modelServers: ChildProcess[] = [];

export async function startModelServer(dataDir: string, args: string[], env: Record<string, string> = {}): Promise<ModelServer> {
  const child = spawn(process.execPath, [CLI, 'serve-model', ...args, '--port', '0', '--data-dir', dataDir], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  modelServers.push(child);
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve-model printed no listening line.\nstdout:\n${out}\nstderr:\n${err}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = LISTENING.exec(out);
      if (match) {
        clearTimeout(timer);
        // A server bound to all interfaces is still called on loopback only.
        resolve({ url: match[3]!.replace('0.0.0.0', '127.0.0.1'), child, stdout: () => out, stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve-model exited early (code ${code}).\nstderr:\n${err}`));
    });
  });
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
  child.kill(signal);
  return exited;
}
