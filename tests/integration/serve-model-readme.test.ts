/**
 * The README's "Serve a model" commands, copied out of README.md verbatim and run as a user runs
 * them (a shell, `npx mldesk`, curl) on a fresh data dir: train on the shipped churn sample, approve,
 * serve, predict, give feedback. Only the port (8500, which may be taken here) and the request id
 * placeholder (`01a2...`) are substituted. The steps the README does in the app (register, promote)
 * are done through the same registry the app uses. Needs `npm run build`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { childEnv, cleanupTempDirs, CLI, makeTempDir, REPO_ROOT } from './server-process.js';

/** The shell lines of each ```sh block in the README section `heading`, comments kept. */
function shellBlocks(heading: string): string[][] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, `README section ${heading}`).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.split('\n').filter((line) => line.trim() !== ''));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  await cleanupTempDirs();
});

let env: NodeJS.ProcessEnv;

/** Runs one README line in a shell, as a user pastes it. */
function sh(line: string, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('sh', ['-c', line], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

it('runs the README commands verbatim against a model trained on the churn sample', async () => {
  const [trainBlock, serveBlock] = shellBlocks('## Serve a model: `mldesk serve-model`');
  expect(trainBlock).toHaveLength(1);
  const [approve, serveModel, predict, answerComment, feedback] = serveBlock!;
  expect(trainBlock![0]).toMatch(/^npx mldesk train --data resources\/datasets\/synthetic-churn\.csv /);
  expect(serveModel).toMatch(/^npx mldesk serve-model /);
  expect(predict).toMatch(/^curl /);
  expect(answerComment).toMatch(/^# \{/);
  expect(feedback).toMatch(/^curl .*\/v1\/feedback/);

  // `npx mldesk` is this checkout's CLI (npx would otherwise look for it on the registry).
  const home = await makeTempDir('readme-home');
  const bin = await makeTempDir('readme-bin');
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = mldesk ] || { echo "only npx mldesk here" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  env = childEnv({ MLDESK_HOME: home, PATH: `${bin}:${process.env.PATH}` });

  const trained = await sh(trainBlock![0]!, 180_000);
  expect(trained.code, trained.stderr).toBe(0);
  const source = /model: (runs:\/[0-9a-f]+\/model)/.exec(trained.stdout)?.[1];
  expect(source, trained.stdout).toBeDefined();

  // "Register the run's model as churn": what the run page's Register does.
  let store = TrackingStore.open(home);
  try {
    const registry = new ModelRegistry(store.db);
    registry.createModel('churn');
    registry.createVersion('churn', { source: source!, runId: source!.split('/')[1] });
  } finally {
    store.close();
  }
  const approved = await sh(approve!);
  expect(approved.code, approved.stderr).toBe(0);
  // "Point champion at it": the version page's Promote.
  store = TrackingStore.open(home);
  try {
    new ModelRegistry(store.db).setAlias('churn', 'champion', '1');
  } finally {
    store.close();
  }

  const port = String(await freePort());
  const withPort = (line: string) => line.replaceAll('8500', port);
  const server = spawn('sh', ['-c', withPort(serveModel!)], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(server);
  let out = '';
  server.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  await new Promise<void>((resolve, reject) => {
    server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (/listening on http:\/\/\S+/.test(out)) resolve();
    });
    server.once('exit', (code) => reject(new Error(`serve-model exited (${code}):\n${out}`)));
  });

  const predicted = await sh(withPort(predict!));
  expect(predicted.code, predicted.stderr).toBe(0);
  const answer = JSON.parse(predicted.stdout) as { predictions: Array<{ label: string; probabilities: Record<string, number>; warnings?: unknown }>; model_version: string; request_ids: string[] };
  // The answer has the shape the README shows (values differ with the trained weights).
  const shown = JSON.parse(answerComment!.slice(2).replace('01a2...', 'id')) as typeof answer;
  expect(Object.keys(answer)).toEqual(Object.keys(shown));
  expect(answer.model_version).toBe(shown.model_version);
  expect(Object.keys(answer.predictions[0]!.probabilities)).toEqual(Object.keys(shown.predictions[0]!.probabilities));
  expect(['no', 'yes']).toContain(answer.predictions[0]!.label);
  expect(answer.predictions[0]!.warnings).toBeUndefined();

  const fed = await sh(withPort(feedback!).replace('01a2...', answer.request_ids[0]!));
  expect(fed.code, fed.stderr).toBe(0);
  expect(JSON.parse(fed.stdout)).toEqual({ accepted: 1, replaced: 0 });

  process.kill(-server.pid!, 'SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
}, 300_000);
