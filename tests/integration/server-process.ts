/**
 * Drives a real `mldesk serve` child process over real HTTP on 127.0.0.1 for the integration
 * suite. `npm run build` must have run first: bin/mldesk.js executes the compiled CLI in dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(REPO_ROOT, 'bin', 'mldesk.js');
export const MLFLOW_PREFIX = '/api/2.0/mlflow';
export const AJAX_PREFIX = '/ajax-api/2.0/mlflow';
export const ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

const LISTENING = /^MLDesk listening on (http:\/\/(.+):(\d+))\s*$/m;
const STARTUP_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------------------------------------
// Temp dirs
// ---------------------------------------------------------------------------------------------

const tempDirs = new Set<string>();

/** A fresh directory under the OS temp dir, removed by cleanupTempDirs(). */
export async function makeTempDir(label = 'data'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `mldesk-it-${label}-`));
  tempDirs.add(dir);
  return dir;
}

export async function cleanupTempDirs(): Promise<void> {
  const dirs = [...tempDirs];
  tempDirs.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })));
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

export interface ApiResponse<T = unknown> {
  status: number;
  /** Parsed JSON when the body is JSON, the raw text otherwise. */
  body: T;
  text: string;
  headers: Headers;
}

export type QueryValue = string | number | boolean | undefined | ReadonlyArray<string | number>;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  /** JSON-serialised unless it is a string or bytes, which are sent verbatim (e.g. bare NaN tokens). */
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
}

/** Query strings as `requests` builds them for MLflow's Python client: lists become repeated keys. */
export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export interface ApiClient {
  readonly baseUrl: string;
  /** POST a JSON body. A path without a leading slash is resolved under the client's MLflow prefix. */
  post<T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  /** GET with parameters in the query string, as MLflow clients send them. */
  get<T = Record<string, unknown>>(path: string, query?: Query, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  request<T = Record<string, unknown>>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
}

export function apiClient(origin: string, prefix = MLFLOW_PREFIX, defaultHeaders: Record<string, string> = {}): ApiClient {
  const resolve = (path: string) => (path.startsWith('/') ? `${origin}${path}` : `${origin}${prefix}/${path}`);
  const request = async <T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...defaultHeaders, ...options.headers };
    let body: string | Uint8Array | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string' || options.body instanceof Uint8Array) body = options.body;
      else body = JSON.stringify(options.body);
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    const response = await fetch(resolve(path) + queryString(options.query), { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('application/json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  };
  return {
    baseUrl: `${origin}${prefix}`,
    request,
    post: (path, body = {}, headers) => request('POST', path, { body, headers }),
    get: (path, query, headers) => request('GET', path, { query, headers }),
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Environment for children: inherited, minus anything that would change how mldesk behaves. */
export function childEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.MLDESK_TOKEN;
  delete env.MLDESK_HOME;
  delete env.NODE_OPTIONS;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function assertBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'dist', 'electron', 'cli', 'mldesk.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before the integration tests.');
  }
}

const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export interface ServerProcess extends ApiClient {
  /** http://127.0.0.1:PORT, exactly as the server printed it. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string | undefined;
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout match of `pattern` (output already seen included); rejects if the process exits first. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** A client for another prefix (e.g. /ajax-api/2.0/mlflow) or with extra default headers. */
  client(prefix?: string, headers?: Record<string, string>): ApiClient;
  /** Sends a signal and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
  /** SIGKILL: the process gets no chance to clean up. */
  kill(): Promise<Exit>;
}

export interface StartOptions {
  /** Data directory; a fresh temp dir when omitted. Pass null to leave --data-dir off. */
  dataDir?: string | null;
  port?: number;
  host?: string;
  token?: string;
  /** Extra arguments after `serve`. */
  args?: string[];
  env?: Record<string, string | undefined>;
  /** Headers every request of the returned client carries (e.g. Authorization). */
  headers?: Record<string, string>;
}

function watchExit(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Spawns `node bin/mldesk.js serve ...` and resolves once it prints its listening line. */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  assertBuilt();
  const dataDir = options.dataDir === null ? undefined : (options.dataDir ?? (await makeTempDir()));
  const args = [CLI, 'serve', '--host', options.host ?? '127.0.0.1', '--port', String(options.port ?? 0)];
  if (dataDir !== undefined) args.push('--data-dir', dataDir);
  if (options.token !== undefined) args.push('--token', options.token);
  args.push(...(options.args ?? []));

  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  const exited = watchExit(child);
  void exited.then(() => liveChildren.delete(child));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no listening line within ${STARTUP_TIMEOUT_MS} ms`), STARTUP_TIMEOUT_MS);
    const onData = () => {
      const match = LISTENING.exec(out);
      if (match) {
        cleanup();
        resolve(match[1]!);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited early (code ${code}, signal ${signal})`);
    function cleanup() {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    }
    function fail(why: string) {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`mldesk serve ${why}.\nstdout:\n${out}\nstderr:\n${err}`));
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
  const parsed = new URL(url);
  const base = apiClient(url, MLFLOW_PREFIX, options.headers);

  const waitForStdout = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(out);
        if (!match) return false;
        done();
        resolve(match);
        return true;
      };
      const onExit = () => {
        if (check()) return;
        done();
        reject(new Error(`mldesk serve exited before printing ${pattern}.\nstdout:\n${out}\nstderr:\n${err}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`mldesk serve did not print ${pattern} within ${timeoutMs} ms.\nstdout:\n${out}`));
      }, timeoutMs);
      function done() {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.off('exit', onExit);
      }
      if (check()) return;
      child.stdout!.on('data', check);
      child.once('exit', onExit);
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    ...base,
    url,
    host: parsed.hostname,
    port: Number(parsed.port),
    dataDir,
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitForStdout,
    client: (prefix = MLFLOW_PREFIX, headers = {}) => apiClient(url, prefix, { ...options.headers, ...headers }),
    stop,
    kill: () => stop('SIGKILL'),
  };
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs `node bin/mldesk.js <args>` to completion (killed after timeoutMs). */
export async function runCli(args: string[], options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  const exit = await new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  clearTimeout(timer);
  liveChildren.delete(child);
  return { ...exit, stdout, stderr };
}

/** Kills every server this process started that is still alive (afterAll safety net). */
export async function stopAllServers(): Promise<void> {
  const children = [...liveChildren];
  await Promise.all(
    children.map((child) => {
      const exited = watchExit(child);
      child.kill('SIGKILL');
      return exited;
    }),
  );
}

/**
 * Registers the hooks of a file that shares one `mldesk serve`: beforeAll starts it (default options)
 * and hands it to `setup`; afterAll stops it, kills any other server still alive and removes temp dirs.
 */
export function useServer(setup: (server: ServerProcess) => void | Promise<void>): void {
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    server = await startServer();
    await setup(server);
  });
  afterAll(async () => {
    await server?.stop();
    await stopAllServers();
    await cleanupTempDirs();
  });
}

// ---------------------------------------------------------------------------------------------
// Payload helpers shaped like MLflow's Python client
// ---------------------------------------------------------------------------------------------

export interface MlflowError {
  error_code: string;
  message: string;
}

export const BASE_TIME = 1_700_000_000_000;

let uniqueCounter = 0;
/** A name unique within this test process. */
export function uniqueName(prefix: string): string {
  uniqueCounter += 1;
  return `${prefix}-${process.pid}-${uniqueCounter}`;
}
