/**
 * Standalone: `npm run build && npx tsx bench/prediction-import-bench.ts`. Times
 * `mldesk monitor import` (a child process, as a user runs it) on a CSV of BENCH_IMPORT_ROWS
 * (default 100,000) churn predictions with probabilities and ground truth on every other row,
 * against a churn classifier trained and registered first, and prints rows/s, the process's CPU
 * time and its peak memory as JSON on stdout (progress on stderr).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelRegistry } from '../electron/core/registry/model-registry.js';
import { TrackingStore } from '../electron/core/store/tracking-store.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'bin', 'mldesk.js');
const rows = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const dir = mkdtempSync(join(tmpdir(), 'mldesk-import-bench-'));
try {
  const churn = readFileSync(join(ROOT, 'resources', 'datasets', 'synthetic-churn.csv'), 'utf8').trim().split('\n');
  const training = join(dir, 'train.csv');
  writeFileSync(training, `${churn.slice(0, 601).join('\n')}\n`);
  const dataDir = join(dir, 'data');
  log('training a small churn classifier');
  const trained = spawnSync(process.execPath, [CLI, 'train', '--data', training, '--target', 'churned', '--epochs', '1', '--backend', 'cpu', '--data-dir', dataDir, '--json'], { encoding: 'utf8' });
  if (trained.status !== 0) throw new Error(`mldesk train failed: ${trained.stderr}`);
  const runId = (JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as { run_id: string }).run_id;
  const store = TrackingStore.open(dataDir);
  try {
    const registry = new ModelRegistry(store.db);
    registry.createModel('churn');
    registry.createVersion('churn', { source: `runs:/${runId}/model`, runId });
  } finally {
    store.close();
  }

  log(`writing ${rows} rows`);
  const data = churn.slice(1).map((line) => line.split(','));
  const lines = [`id,time,${churn[0]!.split(',').slice(0, -1).join(',')},prediction,probability.no,probability.yes,label`];
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < rows; i++) {
    const row = data[i % data.length]!;
    const yes = ((i * 37) % 100) / 100;
    lines.push([`bench-${i}`, t0 + i * 10, ...row.slice(0, -1), yes >= 0.5 ? 'yes' : 'no', (1 - yes).toFixed(2), yes.toFixed(2), i % 2 ? '' : row.at(-1)].join(','));
  }
  const file = join(dir, 'predictions.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);

  log('importing');
  const started = performance.now();
  // GNU time gives the child's peak memory and CPU time; without it, wall time only.
  const timed = spawnSync('/usr/bin/time', ['--version'], { encoding: 'utf8' }).status === 0;
  const command = timed ? '/usr/bin/time' : process.execPath;
  const args = [...(timed ? ['-f', 'TIME %U %S %M', process.execPath] : []), CLI, 'monitor', 'import', file, '--model', 'churn/1', '--data-dir', dataDir, '--json'];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`mldesk monitor import failed (${code}): ${stderr}`);
  const result = JSON.parse(stdout) as { imported: number };
  const measured = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  process.stdout.write(
    `${JSON.stringify(
      {
        rows,
        imported: result.imported,
        wallSeconds: Number(seconds.toFixed(2)),
        rowsPerSecond: Math.round(rows / seconds),
        ...(measured ? { cpuSeconds: Number((Number(measured[1]) + Number(measured[2])).toFixed(2)), peakRssMB: Math.round(Number(measured[3]) / 1024) } : {}),
        loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
