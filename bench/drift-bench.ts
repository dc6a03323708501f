/**
 * `mldesk drift` end to end (issue 13): a 50,000-row reference and a 200,000-row current CSV with
 * 50 numeric and 2 categorical columns (12 of them shifted), `mldesk drift --json` as a child
 * process (start-up, reading both files, every column), beside bench/drift_baseline.py
 * (pandas.read_csv + SciPy computing the same default tests) on the same files in the same run.
 * Both run under /usr/bin/time for wall time and peak memory (max RSS), alternated, the median
 * kept. Also checks that the two agree on every column's statistic. It reports; it never fails.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '../electron/core/training/prng.js';
import { textTable } from './stats.js';

const CLI = fileURLToPath(new URL('../bin/mldesk.js', import.meta.url));
const BASELINE = fileURLToPath(new URL('./drift_baseline.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';

export const DRIFT_TARGETS = { speedupOverPython: 3 } as const;

export interface DriftBenchOptions {
  workDir: string;
  log: (line: string) => void;
  referenceRows?: number;
  currentRows?: number;
  repeats?: number;
}

interface Timed {
  seconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
  stdout: string;
}

export interface SideFigures {
  medianSeconds: number;
  /** User + system CPU seconds, median: steadier than wall time on a shared machine. */
  medianCpuSeconds: number;
  seconds: number[];
  peakRssBytes: number;
}

export interface DriftBenchResult {
  referenceRows: number;
  currentRows: number;
  columns: number;
  fileBytes: { reference: number; current: number };
  mldesk: SideFigures & { driftedColumns: string[] };
  python: (SideFigures & { version: string; readSeconds: number; computeSeconds: number; driftedColumns: string[] }) | { skipped: string };
  /** Python median time over mldesk median time. */
  speedup: number | null;
  /** Largest |mldesk − Python| over the columns' statistics. */
  maxAbsStatisticDiff: number | null;
  verdictsAgree: boolean | null;
}

const SHIFTED_NUMERIC = 10;

/** Writes the two files: n0..n49 (n0..n9 shifted by 0.05σ..0.5σ in the current file, n49 with 2% empty cells), c0 (mix moves), c1 (stable). */
async function writeCsv(path: string, rows: number, seed: number, shifted: boolean): Promise<number> {
  const random = new SeededRandom(seed, 'sfc32');
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  const header = [...Array.from({ length: 50 }, (_, i) => `n${i}`), 'c0', 'c1'];
  let bytes = 0;
  const write = (text: string) =>
    new Promise<void>((resolve) => {
      bytes += Buffer.byteLength(text);
      if (out.write(text)) resolve();
      else out.once('drain', resolve);
    });
  await write(`${header.join(',')}\n`);
  const regions = ['north', 'south', 'east', 'west'];
  let chunk: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let i = 0; i < 50; i++) {
      const scale = 1 + (i % 7) * 10;
      const shift = shifted && i < SHIFTED_NUMERIC ? (i + 1) * 0.05 : 0;
      const value = i * 3 + scale * (random.normal() + shift);
      cells.push(i === 49 && random.next() < 0.02 ? '' : value.toFixed(4));
    }
    const u = random.next();
    const plan = shifted ? (u < 0.3 ? 'basic' : u < 0.6 ? 'standard' : 'premium') : u < 0.5 ? 'basic' : u < 0.8 ? 'standard' : 'premium';
    cells.push(plan, regions[random.int(4)]!);
    chunk.push(cells.join(','));
    if (chunk.length === 2000) {
      await write(`${chunk.join('\n')}\n`);
      chunk = [];
    }
  }
  if (chunk.length) await write(`${chunk.join('\n')}\n`);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return bytes;
}

/** Runs a command under /usr/bin/time: wall seconds and max RSS of the process. */
function timed(command: string, args: string[]): Promise<Timed> {
  return new Promise((resolve, reject) => {
    execFile(TIME, ['-f', '__TIME__ %e %M %U %S', command, ...args], { maxBuffer: 64 << 20, env: { ...process.env, CI: 'true' } }, (error, stdout, stderr) => {
      const match = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
      if (error && !match) return reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      if (!match) return reject(new Error(`no /usr/bin/time output from ${command}: ${stderr}`));
      if (error) return reject(new Error(`${command} exited with an error: ${stderr.replace(match[0], '').trim()}`));
      resolve({ seconds: Number(match[1]), maxRssBytes: Number(match[2]) * 1024, cpuSeconds: Number(match[3]) + Number(match[4]), stdout });
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface MldeskJson {
  columns: Array<{ column: string; statistic: number | null; drifted: boolean | null; method: string }>;
}
interface PythonJson {
  columns: Record<string, { method: string; statistic: number; drifted: boolean }>;
  read_seconds: number;
  compute_seconds: number;
  pandas: string;
  scipy: string;
}

function pythonMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  return null;
}

export async function benchDrift(options: DriftBenchOptions): Promise<DriftBenchResult> {
  const referenceRows = options.referenceRows ?? 50_000;
  const currentRows = options.currentRows ?? 200_000;
  const repeats = options.repeats ?? 3;
  const dir = join(options.workDir, 'drift');
  mkdirSync(dir, { recursive: true });
  const reference = join(dir, 'reference.csv');
  const current = join(dir, 'current.csv');
  options.log(`drift: writing ${referenceRows.toLocaleString('en-US')} + ${currentRows.toLocaleString('en-US')} rows × 52 columns`);
  const fileBytes = { reference: await writeCsv(reference, referenceRows, 1, false), current: await writeCsv(current, currentRows, 2, true) };
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing (Debian package "time")`);

  const skip = pythonMissing();
  const mldeskRuns: Timed[] = [];
  const pythonRuns: Timed[] = [];
  let pythonError: string | null = skip;
  for (let i = 0; i < repeats; i++) {
    options.log(`drift: round ${i + 1}/${repeats}: mldesk drift --json`);
    mldeskRuns.push(await timed(process.execPath, [CLI, 'drift', '--reference', reference, '--current', current, '--json']));
    if (pythonError === null) {
      options.log(`drift: round ${i + 1}/${repeats}: pandas + SciPy`);
      try {
        pythonRuns.push(await timed(PYTHON, [BASELINE, reference, current]));
      } catch (error) {
        pythonError = (error as Error).message.split('\n').slice(-2).join(' ');
      }
    }
  }
  const mldeskJson = JSON.parse(mldeskRuns[0]!.stdout) as MldeskJson;
  const mldesk = {
    medianSeconds: median(mldeskRuns.map((r) => r.seconds)),
    medianCpuSeconds: median(mldeskRuns.map((r) => r.cpuSeconds)),
    seconds: mldeskRuns.map((r) => r.seconds),
    peakRssBytes: Math.max(...mldeskRuns.map((r) => r.maxRssBytes)),
    driftedColumns: mldeskJson.columns.filter((c) => c.drifted).map((c) => c.column),
  };
  const base = { referenceRows, currentRows, columns: mldeskJson.columns.length, fileBytes, mldesk };
  if (pythonError !== null || pythonRuns.length === 0) {
    return { ...base, python: { skipped: pythonError ?? 'no run' }, speedup: null, maxAbsStatisticDiff: null, verdictsAgree: null };
  }
  const pythonJson = JSON.parse(pythonRuns[0]!.stdout) as PythonJson;
  let maxAbsStatisticDiff = 0;
  let verdictsAgree = true;
  for (const column of mldeskJson.columns) {
    const theirs = pythonJson.columns[column.column];
    if (!theirs || column.statistic === null || theirs.method !== column.method) {
      verdictsAgree = false;
      maxAbsStatisticDiff = Number.POSITIVE_INFINITY;
      continue;
    }
    maxAbsStatisticDiff = Math.max(maxAbsStatisticDiff, Math.abs(column.statistic - theirs.statistic));
    if (theirs.drifted !== column.drifted) verdictsAgree = false;
  }
  const python = {
    medianSeconds: median(pythonRuns.map((r) => r.seconds)),
    medianCpuSeconds: median(pythonRuns.map((r) => r.cpuSeconds)),
    seconds: pythonRuns.map((r) => r.seconds),
    peakRssBytes: Math.max(...pythonRuns.map((r) => r.maxRssBytes)),
    version: `pandas ${pythonJson.pandas}, SciPy ${pythonJson.scipy}`,
    readSeconds: pythonJson.read_seconds,
    computeSeconds: pythonJson.compute_seconds,
    driftedColumns: Object.entries(pythonJson.columns)
      .filter(([, c]) => c.drifted)
      .map(([name]) => name),
  };
  return { ...base, python, speedup: python.medianSeconds / mldesk.medianSeconds, maxAbsStatisticDiff, verdictsAgree };
}

export interface DriftCheck {
  id: string;
  description: string;
  measured: number;
  target: string;
  met: boolean;
}

export function driftTargetChecks(result: DriftBenchResult): DriftCheck[] {
  if (result.speedup === null) return [];
  return [
    {
      id: 'drift-vs-python',
      description: `mldesk drift end to end vs pandas.read_csv + SciPy on ${result.referenceRows.toLocaleString('en-US')} + ${result.currentRows.toLocaleString('en-US')} rows × ${result.columns} columns`,
      measured: result.speedup,
      target: `>= ${DRIFT_TARGETS.speedupOverPython}×`,
      met: result.speedup >= DRIFT_TARGETS.speedupOverPython,
    },
  ];
}

export function formatDriftTable(result: DriftBenchResult, checks: DriftCheck[]): string {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  const s = (seconds: number) => `${seconds.toFixed(2)} s`;
  const rows = [['drift (mldesk drift --json, end to end)', 'mldesk', 'pandas + SciPy', 'ratio', 'target']];
  const check = checks.find((c) => c.id === 'drift-vs-python');
  const python = 'skipped' in result.python ? null : result.python;
  rows.push([
    `wall time, median of ${result.mldesk.seconds.length} (files ${mb(result.fileBytes.reference)} + ${mb(result.fileBytes.current)})`,
    s(result.mldesk.medianSeconds),
    python ? `${s(python.medianSeconds)} (read_csv ${s(python.readSeconds)}, tests ${s(python.computeSeconds)})` : `skipped: ${(result.python as { skipped: string }).skipped}`,
    result.speedup === null ? '-' : `${result.speedup.toFixed(1)}× faster`,
    check ? `${check.target} ${check.met ? 'met' : 'MISSED'}` : '-',
  ]);
  rows.push([
    'CPU time (user + sys), median',
    s(result.mldesk.medianCpuSeconds),
    python ? s(python.medianCpuSeconds) : '-',
    python ? `${(python.medianCpuSeconds / result.mldesk.medianCpuSeconds).toFixed(1)}× less` : '-',
    '-',
  ]);
  rows.push(['peak memory (max RSS)', mb(result.mldesk.peakRssBytes), python ? mb(python.peakRssBytes) : '-', python ? `${(result.mldesk.peakRssBytes / python.peakRssBytes).toFixed(2)}×` : '-', '-']);
  rows.push([
    'agreement: max |Δ statistic| over columns, same verdicts',
    result.maxAbsStatisticDiff === null ? '-' : result.maxAbsStatisticDiff.toExponential(2),
    result.verdictsAgree === null ? '-' : result.verdictsAgree ? 'verdicts agree' : 'VERDICTS DIFFER',
    '-',
    '-',
  ]);
  rows.push(['drifted columns', result.mldesk.driftedColumns.join(' '), python ? python.driftedColumns.join(' ') : '-', '-', '-']);
  return textTable(rows);
}
