/**
 * The lineage record flattened into run tags (`mldesk.lineage.<area>.<field>`), so MLflow clients
 * and run search see it, and read back from them when the lineage.json artifact is gone. Values
 * stay readable in an MLflow UI: a null field is an absent tag, a commit that cannot be read is
 * the reason ("not a git repository"), only nested values are JSON.
 */
import { LINEAGE_TAG_PREFIX, RunLineageSchema, type Gpu, type RunLineage } from '../../../shared/lineage.js';
import type { KeyValue } from '../../../shared/tracking-types.js';
import { clip } from '../training/run-records.js';

const P = LINEAGE_TAG_PREFIX;
const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

const formatGpus = (gpus: Gpu[]) => (gpus.length === 0 ? 'none' : gpus.map((gpu) => `${gpu.name}, ${gpu.driver}, ${gpu.memory}`).join('; '));

function parseGpus(text: string): Gpu[] {
  if (text === 'none') return [];
  return text.split('; ').map((entry) => {
    const parts = entry.split(', ');
    return { name: parts.slice(0, -2).join(', '), driver: parts.at(-2) ?? '', memory: parts.at(-1) ?? '' };
  });
}

export function lineageTags(record: RunLineage): KeyValue[] {
  const { code, environment: env, data } = record;
  const entries: [string, string | number | boolean | null][] = [
    ['schema_version', record.schemaVersion],
    ['recorded_time', record.recordedTime],
    ['reproduction_of', record.reproductionOf],
    ['code.project_dir', code.projectDir],
    ['code.commit', code.git ? code.git.commit : (code.gitProblem ?? 'unknown')],
    ['code.branch', code.git?.branch ?? null],
    ['code.dirty', code.git ? code.git.dirty : null],
    ['code.diff_sha256', code.git?.diffSha256 ?? null],
    ['code.untracked_files', code.git?.untrackedFiles ?? null],
    ['code.git_root', code.git?.root ?? null],
    ['code.config_sha256', code.configSha256],
    ['env.os', env.os],
    ['env.os_release', env.osRelease],
    ['env.arch', env.arch],
    ['env.cpu_model', env.cpuModel],
    ['env.cpu_cores', env.cpuCores],
    ['env.memory_bytes', env.totalMemoryBytes],
    ['env.gpu', formatGpus(env.gpus)],
    ['env.node', env.node],
    ['env.electron', env.electron],
    ['env.tfjs', env.tfjs],
    ['env.backend', env.backend],
    ['env.backend_engine', env.backendEngine],
    ['env.backend_details', JSON.stringify(env.backendDetails)],
    ['env.mldesk', env.mldesk],
    ['env.package_lock_sha256', env.packageLockSha256],
    ['data.kind', data.kind],
    ['data.name', data.name],
    ['data.ref', data.ref],
    ['data.version', data.version],
    ['data.dataset_version_id', data.datasetVersionId],
    ['data.sha256', data.sha256],
    ['data.rows', data.rows],
    ['data.source', data.source],
    ['config.json', JSON.stringify(record.config)],
  ];
  const tags = entries.filter(([, value]) => value !== null).map(([field, value]) => ({ key: `${P}${field}`, value: clip(String(value)) }));
  // MLflow's own names for the code version, which its UI shows on the run page.
  if (code.git) {
    tags.push({ key: 'mlflow.source.git.commit', value: code.git.commit });
    if (code.git.branch) tags.push({ key: 'mlflow.source.git.branch', value: clip(code.git.branch) });
  }
  return tags;
}

/** The record rebuilt from tags; null when the run has no (complete) lineage tags. */
export function lineageFromTags(tags: KeyValue[]): RunLineage | null {
  const byKey = new Map(tags.filter((t) => t.key.startsWith(P)).map((t) => [t.key.slice(P.length), t.value]));
  if (!byKey.has('schema_version')) return null;
  const get = (field: string) => byKey.get(field) ?? null;
  const num = (field: string) => (byKey.has(field) ? Number(byKey.get(field)) : null);
  const json = (field: string): unknown => {
    try {
      return JSON.parse(byKey.get(field) ?? 'null');
    } catch {
      return null;
    }
  };
  const commit = get('code.commit') ?? '';
  const hasGit = COMMIT.test(commit);
  const candidate = {
    schemaVersion: num('schema_version'),
    runId: '',
    recordedTime: num('recorded_time'),
    reproductionOf: get('reproduction_of'),
    code: {
      projectDir: get('code.project_dir'),
      git: hasGit
        ? { root: get('code.git_root'), commit, branch: get('code.branch'), dirty: get('code.dirty') === 'true', diffSha256: get('code.diff_sha256'), untrackedFiles: num('code.untracked_files') }
        : null,
      gitProblem: hasGit ? null : commit,
      configSha256: get('code.config_sha256'),
    },
    environment: {
      os: get('env.os'),
      osRelease: get('env.os_release'),
      arch: get('env.arch'),
      cpuModel: get('env.cpu_model'),
      cpuCores: num('env.cpu_cores'),
      totalMemoryBytes: num('env.memory_bytes'),
      gpus: parseGpus(get('env.gpu') ?? 'none'),
      node: get('env.node'),
      electron: get('env.electron'),
      tfjs: get('env.tfjs'),
      backend: get('env.backend'),
      backendEngine: get('env.backend_engine'),
      backendDetails: json('env.backend_details'),
      mldesk: get('env.mldesk'),
      packageLockSha256: get('env.package_lock_sha256'),
    },
    data: {
      kind: get('data.kind'),
      name: get('data.name'),
      ref: get('data.ref'),
      version: num('data.version'),
      datasetVersionId: num('data.dataset_version_id'),
      sha256: get('data.sha256'),
      rows: num('data.rows'),
      source: get('data.source'),
    },
    config: json('config.json'),
  };
  const parsed = RunLineageSchema.safeParse(candidate);
  return parsed.success ? parsed.data : null;
}
