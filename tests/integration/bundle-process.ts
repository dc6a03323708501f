/**
 * Drives a real `mldesk bundle open` child process (the built CLI in dist/) for the integration
 * tests: started on 127.0.0.1 port 0, read once it prints its listening line.
 */
import { spawn } from 'node:child_process';
import { apiClient, CLI, childEnv, REPO_ROOT, type ApiClient, type Exit } from './server-process.js';

export interface BundleProcess extends ApiClient {
  url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM (or `signal`) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

const LISTENING = /^MLDesk listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/m;

/** `mldesk bundle open FILE --port 0 ARGS…`; TMPDIR in `env` makes its private temp dir observable. */
export async function startBundleOpen(file: string, args: string[] = [], env: Record<string, string | undefined> = {}): Promise<BundleProcess> {
  const child = spawn(process.execPath, [CLI, 'bundle', 'open', file, '--port', '0', ...args], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mldesk bundle open printed no listening line in 30 s.\nstdout:\n${out}\nstderr:\n${err}`));
    }, 30_000);
    const check = () => {
      const match = LISTENING.exec(out);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    };
    child.stdout.on('data', check);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`mldesk bundle open exited (code ${exit.code}) before listening.\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
  return {
    ...apiClient(url),
    url,
    stdout: () => out,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
