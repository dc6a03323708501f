/**
 * What stands between a recorded run and a reproduction here, and how close the reproduction
 * came. Pure functions over lineage records and metric values: the reproducibility check and the
 * verdict are built from them.
 *
 * Blocking: only what changes the arithmetic for certain with the same seed and data, i.e. a
 * different backend (another kernel implementation) or another TF.js version. Everything else
 * (machine, Node, OS, code version) is a warning: the same backend and TF.js compute the same.
 */
import type { CodeLineage, EnvironmentLineage, MetricComparison, ReproductionNote } from '../../../shared/lineage.js';
import type { BackendInfo } from '../training/backend.js';
import type { CodeState } from './code-lineage.js';
import type { HostEnvironment } from './environment.js';

export type BackendProbe = { ok: true; info: BackendInfo } | { ok: false; reason: string };

export interface Notes {
  problems: ReproductionNote[];
  warnings: ReproductionNote[];
}

const short = (hash: string | null) => (hash ? `${hash.slice(0, 12)}…` : 'none');
const gpuText = (env: Pick<EnvironmentLineage, 'gpus'>) => (env.gpus.length === 0 ? 'no GPU' : env.gpus.map((gpu) => gpu.name).join(', '));

export function environmentNotes(recorded: EnvironmentLineage, host: HostEnvironment, probe: BackendProbe): Notes {
  const problems: ReproductionNote[] = [];
  const warnings: ReproductionNote[] = [];
  const warn = (code: string, what: string, was: string | null, now: string | null) => {
    if (was !== now) warnings.push({ code, message: `${what} differs: recorded ${was ?? 'none'}, here ${now ?? 'none'}.` });
  };
  if (!probe.ok) {
    problems.push({ code: 'backend_unavailable', message: `The original trained on the TensorFlow.js backend '${recorded.backend}', which is not available here: ${probe.reason}` });
  } else {
    if (probe.info.tfVersion !== recorded.tfjs) {
      problems.push({ code: 'tfjs_version', message: `The TF.js version differs: recorded ${recorded.tfjs}, here ${probe.info.tfVersion}. Another TF.js version may compute different numbers.` });
    }
    const keys = [...new Set([...Object.keys(recorded.backendDetails), ...Object.keys(probe.info.details)])].sort();
    for (const key of keys) {
      const was = recorded.backendDetails[key];
      const now = probe.info.details[key];
      if (was !== now) warn('backend_details', `The ${recorded.backend} backend's ${key}`, was === undefined ? null : String(was), now === undefined ? null : String(now));
    }
  }
  warn('mldesk_version', 'The MLDesk version', recorded.mldesk, host.mldesk);
  warn('dependencies', "MLDesk's package-lock.json (sha256)", short(recorded.packageLockSha256), short(host.packageLockSha256));
  warn('node_version', 'The Node.js version', recorded.node, host.node);
  warn('electron_version', 'The Electron version', recorded.electron, host.electron);
  warn('os', 'The operating system', `${recorded.os} ${recorded.osRelease} ${recorded.arch}`, `${host.os} ${host.osRelease} ${host.arch}`);
  warn('cpu', 'The CPU', `${recorded.cpuCores} × ${recorded.cpuModel}`, `${host.cpuCores} × ${host.cpuModel}`);
  warn('gpu', 'The GPU', gpuText(recorded), gpuText(host));
  return { problems, warnings };
}

/** Code differences never block: MLDesk's templates train, the project only holds the config. */
export function codeNotes(recorded: CodeLineage, current: CodeState): ReproductionNote[] {
  const notes: ReproductionNote[] = [];
  const was = recorded.git;
  const now = current.git;
  if (!was) {
    notes.push({ code: 'code_unknown', message: `The original's code version is unknown (${recorded.gitProblem ?? 'not recorded'}).` });
  } else if (was.dirty) {
    notes.push({ code: 'code_dirty', message: `The original was trained from uncommitted changes at commit ${was.commit.slice(0, 12)} (diff sha256 ${short(was.diffSha256)}); those changes were not stored.` });
  }
  if (was && !now) {
    notes.push({ code: 'code_unavailable', message: `The code version here cannot be read (${current.gitProblem ?? 'unknown'}); the original was at commit ${was.commit.slice(0, 12)}.` });
  } else if (was && now) {
    if (was.commit !== now.commit) {
      notes.push({ code: 'code_commit', message: `The code differs: the original was trained at commit ${was.commit.slice(0, 12)}${was.branch ? ` (${was.branch})` : ''}, ${current.projectDir} is at ${now.commit.slice(0, 12)}${now.branch ? ` (${now.branch})` : ''}.` });
    } else if (now.diffSha256 !== was.diffSha256) {
      notes.push({ code: 'code_changes', message: `${current.projectDir} has ${now.dirty ? 'uncommitted changes that differ from the original' : 'no uncommitted changes, unlike the original'} (diff sha256 here ${short(now.diffSha256)}, recorded ${short(was.diffSha256)}).` });
    }
  }
  return notes;
}

const finite = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : null);

/**
 * Every metric key of either run, sorted. Tolerance 0 asks for the very same number (NaN equals
 * NaN: both runs diverged the same way); a positive tolerance is relative to the larger magnitude.
 */
export function compareMetrics(original: Record<string, number>, reproduced: Record<string, number>, tolerance = 0): MetricComparison[] {
  const keys = [...new Set([...Object.keys(original), ...Object.keys(reproduced)])].sort();
  return keys.map((key) => {
    const a = original[key];
    const b = reproduced[key];
    const base = { key, original: finite(a), reproduced: finite(b), tolerance };
    if (a === undefined || b === undefined) return { ...base, absDiff: null, relDiff: null, equal: false };
    if (Object.is(a, b) || a === b) return { ...base, absDiff: 0, relDiff: 0, equal: true };
    const absDiff = Math.abs(a - b);
    const scale = Math.max(Math.abs(a), Math.abs(b));
    const relDiff = scale === 0 ? 0 : absDiff / scale;
    const equal = Number.isFinite(relDiff) && relDiff <= tolerance;
    return { ...base, absDiff: finite(absDiff), relDiff: finite(relDiff), equal };
  });
}
