/**
 * Project snapshots and REST-only launches as a remote worker does them: a real `mldesk serve`
 * with a token, the project zipped into a run artifact, the folder deleted, then launched from the
 * artifact alone; a tampered or hostile snapshot is refused before anything runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawZip } from '../../electron/core/bundles/crafted-zip-fixtures.js';
import { launchProjectRun } from '../../electron/core/automation/project-launch.js';
import { prepareProjectRunRemote } from '../../electron/core/automation/projects/prepare.js';
import { SNAPSHOT_ARTIFACT, snapshotProject } from '../../electron/core/automation/projects/snapshot.js';
import { TrackingClient } from '../../electron/core/automation/projects/tracking-client.js';
import { cleanupTempDirs, makeTempDir, runCli, startServer, stopAllServers, type ServerProcess } from './server-process.js';

afterAll(async () => {
  await stopAllServers();
  await cleanupTempDirs();
});

const TOKEN = 'projects-secret-token';

async function writeProject(files: Record<string, string>): Promise<string> {
  const dir = await makeTempDir('snap-project');
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const LOG_METRIC = `
const base = process.env.MLFLOW_TRACKING_URI, run = process.env.MLFLOW_RUN_ID;
const r = await fetch(base + '/api/2.0/mlflow/runs/log-metric', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + process.env.MLFLOW_TRACKING_TOKEN },
  body: JSON.stringify({ run_id: run, key: 'score', value: Number(process.argv[2]), timestamp: Date.now(), step: 0 }) });
if (!r.ok) { console.error(await r.text()); process.exit(3); }
console.log('logged', process.argv[2], 'helper', (await import('./lib/helper.mjs')).default);
`;

const MLPROJECT = `entry_points:
  main:
    parameters: {score: {type: float, default: 0.75}}
    command: "node score.mjs {score}"
`;

async function runTags(server: ServerProcess, runId: string): Promise<{ status: string; tags: Record<string, string>; metrics: Record<string, number> }> {
  const res = await server.get<{ run: { info: { status: string }; data: { tags?: { key: string; value: string }[]; metrics?: { key: string; value: number }[] } } }>('runs/get', { run_id: runId });
  expect(res.status, res.text).toBe(200);
  return {
    status: res.body.run.info.status,
    tags: Object.fromEntries((res.body.run.data.tags ?? []).map((t) => [t.key, t.value])),
    metrics: Object.fromEntries((res.body.run.data.metrics ?? []).map((m) => [m.key, m.value])),
  };
}

const noop = () => undefined;

describe('project snapshots through the artifact proxy', () => {
  it('runs a project from its snapshot alone, with the git state recorded at snapshot time', { timeout: 120_000 }, async () => {
    const server = await startServer({ token: TOKEN, headers: { authorization: `Bearer ${TOKEN}` } });
    const client = new TrackingClient(server.url, TOKEN);
    const dir = await writeProject({ MLproject: MLPROJECT, 'score.mjs': LOG_METRIC, 'lib/helper.mjs': 'export default "ok";\n', 'node_modules/big/index.js': 'x', '__pycache__/a.pyc': 'x', 'mlruns/0/meta.yaml': 'x' });
    execFileSync('git', ['init', '-q'], { cwd: dir });
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: dir });
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
    const prepared = await prepareProjectRunRemote(client, { path: dir, parameters: { score: '0.5' }, experiment: 'snapshots' });
    const source = await snapshotProject(client, dir, prepared.runId);
    expect(source).toMatchObject({ kind: 'artifact', runId: prepared.runId, path: SNAPSHOT_ARTIFACT });
    // The same folder gives the same bytes.
    const again = await prepareProjectRunRemote(client, { path: dir, experiment: 'snapshots' });
    expect((await snapshotProject(client, dir, again.runId)).sha256).toBe(source.sha256);
    await rm(dir, { recursive: true, force: true });

    const workDir = await makeTempDir('snap-work');
    let output = '';
    const result = await launchProjectRun(
      { ...prepared.spec, project: source },
      { trackingUri: server.url, token: TOKEN, runId: prepared.runId, workDir, signal: new AbortController().signal, onOutput: (chunk) => (output += chunk) },
    );
    expect(result, output).toEqual({ exitCode: 0, runStatus: 'FINISHED', reason: null });
    expect(output).toContain('logged 0.5 helper ok');
    expect(existsSync(join(workDir, 'project', 'node_modules'))).toBe(false);
    expect(existsSync(join(workDir, 'project', '__pycache__'))).toBe(false);
    expect(existsSync(join(workDir, 'project', 'mlruns'))).toBe(false);
    const run = await runTags(server, prepared.runId);
    expect(run.status).toBe('FINISHED');
    expect(run.metrics).toEqual({ score: 0.5 });
    expect(run.tags['mlflow.source.git.commit']).toBe(commit);
    expect(run.tags['mldesk.project.git_dirty']).toBe('true');
    expect(run.tags['mldesk.project.snapshot_sha256']).toBe(source.sha256);
  });

  it('refuses a snapshot whose bytes are not the ones the job was given, and a hostile zip, before anything runs', { timeout: 120_000 }, async () => {
    const server = await startServer({ token: TOKEN, headers: { authorization: `Bearer ${TOKEN}` } });
    const client = new TrackingClient(server.url, TOKEN);
    const dir = await writeProject({ MLproject: MLPROJECT.replace('node score.mjs {score}', 'touch ran.txt'), 'x.txt': 'x' });
    const prepared = await prepareProjectRunRemote(client, { path: dir });
    const source = await snapshotProject(client, dir, prepared.runId);
    const workDir = await makeTempDir('snap-work');
    const tampered = await launchProjectRun(
      { ...prepared.spec, project: { ...source, sha256: '0'.repeat(64) } },
      { trackingUri: server.url, token: TOKEN, runId: prepared.runId, workDir, signal: new AbortController().signal, onOutput: noop },
    );
    expect(tampered.runStatus).toBe('FAILED');
    expect(tampered.reason).toMatch(new RegExp(`has SHA-256 ${source.sha256}, not the 0{64} the job was given`));
    expect((await runTags(server, prepared.runId)).tags['mldesk.failure_reason']).toBe(tampered.reason);

    // A zip that climbs out of its folder, stored as a snapshot with its true hash.
    const hostile = rawZip([{ name: 'MLproject', data: Buffer.from('entry_points: {main: {command: "touch ran.txt"}}\n') }, { name: '../escaped.txt', data: Buffer.from('x') }]);
    const other = await prepareProjectRunRemote(client, { path: dir });
    const run = await client.getRun(other.runId);
    await client.uploadArtifact(run, SNAPSHOT_ARTIFACT, hostile);
    const sha256 = execFileSync('sha256sum', { input: hostile }).toString().split(' ')[0]!;
    const hostileWork = await makeTempDir('snap-work');
    const refused = await launchProjectRun(
      { ...other.spec, project: { kind: 'artifact', runId: other.runId, path: SNAPSHOT_ARTIFACT, sha256 } },
      { trackingUri: server.url, token: TOKEN, runId: other.runId, workDir: hostileWork, signal: new AbortController().signal, onOutput: noop },
    );
    expect(refused.runStatus).toBe('FAILED');
    expect(refused.reason).toMatch(/\.\.\/escaped\.txt: refused: the path must not contain empty, '\.' or '\.\.' segments/);
    expect(existsSync(join(hostileWork, 'escaped.txt'))).toBe(false);
    expect(existsSync(join(hostileWork, 'project'))).toBe(false);
    expect(existsSync(join(dir, 'ran.txt'))).toBe(false);
  });

  it('mldesk run --tracking-uri logs into a remote server with MLFLOW_TRACKING_TOKEN (REST only, no job row)', { timeout: 120_000 }, async () => {
    const server = await startServer({ token: TOKEN, headers: { authorization: `Bearer ${TOKEN}` } });
    const dir = await writeProject({ MLproject: MLPROJECT, 'score.mjs': LOG_METRIC, 'lib/helper.mjs': 'export default "remote";\n' });
    const result = await runCli(['run', dir, '-P', 'score=2', '--tracking-uri', server.url, '--experiment', 'remote', '--json'], { env: { MLFLOW_TRACKING_TOKEN: TOKEN }, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { run_id: string; status: string; metrics: Record<string, number>; job_id?: string };
    expect(summary).toMatchObject({ status: 'FINISHED', metrics: { score: 2 } });
    expect(summary.job_id).toBeUndefined();
    expect((await runTags(server, summary.run_id)).status).toBe('FINISHED');
    const denied = await runCli(['run', dir, '--tracking-uri', server.url], { env: { MLFLOW_TRACKING_TOKEN: 'wrong' }, timeoutMs: 60_000 });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/HTTP 401/);
  });
});
