/**
 * A project run's lineage, written through the REST API as run params, tags and one artifact
 * (`mldesk/project-lineage.json`): the code (git commit and dirty-diff hash, or the snapshot's
 * hash), the entry point and filled command, every parameter, the environment files' hashes and
 * the interpreter used, and each dataset passed as a parameter by content hash.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ProjectSource } from '../../../../shared/automation.js';
import { collectCodeLineage, type CodeState } from '../../lineage/code-lineage.js';
import type { EnvFile, InterpreterChoice } from './environment.js';
import type { FilledParameter } from './parameters.js';
import type { KV } from './tracking-client.js';

export const PROJECT_TAG = 'mldesk.project.';
/** A parameter value naming a stored dataset version: `dataset:iris@2`. */
export const DATASET_REF = 'dataset:';
export const FAILURE_REASON_TAG = 'mldesk.failure_reason';
export const LINEAGE_ARTIFACT = 'mldesk/project-lineage.json';
/** Set by snapshotProject: the snapshot's folder had its git state read before it was zipped. */
export const SNAPSHOT_GIT_TAGS = ['mlflow.source.git.commit', `${PROJECT_TAG}git_dirty`, `${PROJECT_TAG}diff_sha256`, `${PROJECT_TAG}git_problem`] as const;

export interface DatasetRecord {
  parameter: string;
  value: string;
  kind: 'file' | 'dataset_ref';
  sha256: string | null;
  bytes: number | null;
}

export interface ProjectLineage {
  source: ProjectSource;
  entryPoint: string;
  command: string;
  parameters: Record<string, string>;
  environmentFiles: EnvFile[];
  interpreter: string;
  datasets: DatasetRecord[];
  code: { commit: string | null; dirty: boolean | null; diffSha256: string | null; problem: string | null } | null;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Path parameters naming a file (hashed here), and `dataset:` references in any parameter (hashed
 * by whoever created the run, which has the dataset store: see prepareProjectRun's run tags).
 */
export async function datasetsOf(parameters: FilledParameter[], runTags: KV[] = []): Promise<DatasetRecord[]> {
  const tagged = new Map(runTags.map((tag) => [tag.key, tag.value]));
  const records: DatasetRecord[] = [];
  for (const p of parameters) {
    if (p.type === 'path') {
      const info = await stat(p.value).catch(() => null);
      if (info?.isFile()) records.push({ parameter: p.name, value: p.value, kind: 'file', sha256: await sha256OfFile(p.value), bytes: info.size });
    } else if (p.value.startsWith(DATASET_REF)) {
      records.push({ parameter: p.name, value: p.value, kind: 'dataset_ref', sha256: tagged.get(`${PROJECT_TAG}dataset.${p.name}`) ?? null, bytes: null });
    }
  }
  return records;
}

export function codeOf(state: CodeState): ProjectLineage['code'] {
  return state.git
    ? { commit: state.git.commit, dirty: state.git.dirty, diffSha256: state.git.diffSha256, problem: null }
    : { commit: null, dirty: null, diffSha256: null, problem: state.gitProblem };
}

export async function gitTags(projectDir: string): Promise<{ code: NonNullable<ProjectLineage['code']>; tags: KV[] }> {
  const code = codeOf(await collectCodeLineage(projectDir))!;
  const tags: KV[] = code.commit
    ? [
        { key: 'mlflow.source.git.commit', value: code.commit },
        { key: `${PROJECT_TAG}git_dirty`, value: String(code.dirty) },
        { key: `${PROJECT_TAG}diff_sha256`, value: code.diffSha256 ?? '' },
      ]
    : [{ key: `${PROJECT_TAG}git_problem`, value: code.problem ?? 'unknown' }];
  return { code, tags };
}

export function lineageTags(lineage: ProjectLineage, interpreter: InterpreterChoice): KV[] {
  const tags: KV[] = [
    { key: 'mlflow.source.type', value: 'PROJECT' },
    { key: 'mlflow.source.name', value: lineage.source.kind === 'path' ? lineage.source.path : `snapshot ${lineage.source.path} of run ${lineage.source.runId}` },
    { key: 'mlflow.project.entryPoint', value: lineage.entryPoint },
    { key: 'mlflow.project.env', value: interpreter.interpreter ? 'local-interpreter' : 'local' },
    { key: `${PROJECT_TAG}entry_point`, value: lineage.entryPoint },
    { key: `${PROJECT_TAG}command`, value: lineage.command.slice(0, 5000) },
    { key: `${PROJECT_TAG}interpreter`, value: lineage.interpreter },
  ];
  if (lineage.source.kind === 'artifact') tags.push({ key: `${PROJECT_TAG}snapshot_sha256`, value: lineage.source.sha256 });
  for (const file of lineage.environmentFiles) tags.push({ key: `${PROJECT_TAG}${file.field}_sha256`, value: file.sha256 ?? `missing: ${file.path}` });
  // A dataset reference's hash was tagged when the run was created; one without is left unhashed.
  for (const dataset of lineage.datasets) if (dataset.sha256) tags.push({ key: `${PROJECT_TAG}dataset.${dataset.parameter}`, value: dataset.sha256 });
  return tags;
}
