/**
 * An author's data dir for the bundle tests, built in-process with the real services: a dataset
 * version, an experiment with runs (params, full metric histories with a NaN, tags, a note, lineage,
 * artifacts: binary and text naming the author's user, host and data dir), a registered version
 * with an approval, an alias and its audit trail.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createServices } from '../../electron/core/services.js';
import { recordLineage } from '../../electron/core/lineage/lineage-store.js';
import { sampleLineage } from '../../electron/core/lineage/test-lineage.js';

export interface SeededAuthor {
  experiment: string;
  runIds: string[];
  /** Artifact bytes per run id, by path in the run. */
  artifacts: Map<string, Map<string, Buffer>>;
  user: string;
  host: string;
}

export const osUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
};

export async function seedAuthor(dataDir: string, options: { experiment?: string; runs?: number; steps?: number; model?: string; datasetRows?: number } = {}): Promise<SeededAuthor> {
  const services = createServices({ dataDir });
  const { store, registry, datasets } = services;
  const experimentName = options.experiment ?? 'churn-study';
  const user = osUser();
  const host = hostname();
  try {
    const csv = join(dataDir, 'churn-export.csv');
    writeFileSync(csv, `age,plan,churned\n${Array.from({ length: options.datasetRows ?? 50 }, (_, i) => `${20 + i},${i % 3 === 0 ? 'basic' : 'pro'},${i % 2}`).join('\n')}\n`);
    const dataset = (await datasets.importFile(csv, { name: 'churn' })).version;
    const experimentId = store.experiments.create(experimentName, undefined, [{ key: 'team', value: 'risk' }]);
    const runIds: string[] = [];
    const artifacts = new Map<string, Map<string, Buffer>>();
    for (let r = 0; r < (options.runs ?? 3); r++) {
      const run = store.createRun({ experimentId, runName: `mlp-${r}`, userId: user, startTime: 1_700_000_000_000 + r * 1000, tags: [
        { key: 'mlflow.user', value: user },
        { key: 'mlflow.source.name', value: join(homedir(), 'projects', 'churn', 'train.py') },
      ] });
      const runId = run.info.run_id;
      runIds.push(runId);
      const steps = options.steps ?? 300;
      const metrics = [];
      for (let s = 0; s < steps; s++) {
        metrics.push({ key: 'loss', value: 1 / (s + 1 + r), timestamp: 1_700_000_000_000 + s, step: s });
        metrics.push({ key: 'accuracy', value: s === 7 ? Number.NaN : 0.5 + s / (2 * steps), timestamp: 1_700_000_000_000 + s, step: s });
      }
      store.logBatch(runId, {
        metrics,
        params: [{ key: 'lr', value: String(0.01 * (r + 1)) }, { key: 'cache_dir', value: join(dataDir, 'cache') }],
        tags: [{ key: 'mlflow.note.content', value: `Trained by ${user} on ${host}.` }],
      });
      store.logInputs(runId, [{ dataset: { name: 'churn', digest: dataset.sha256.slice(0, 8), source_type: 'local', source: JSON.stringify({ uri: `mldesk-dataset:${dataset.ref}` }) }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
      const base = sampleLineage(runId);
      await recordLineage(store, {
        ...base,
        code: { ...base.code, projectDir: join(homedir(), 'projects', 'churn'), git: { ...base.code.git!, root: join(homedir(), 'projects', 'churn') } },
        data: { kind: 'dataset', name: dataset.name, ref: dataset.ref, version: dataset.version, datasetVersionId: Number(store.db.prepare('SELECT version_id FROM dataset_versions WHERE sha256 = ?').pluck().get(dataset.sha256)), sha256: dataset.sha256, rows: dataset.rows, source: `mldesk-dataset:${dataset.ref}` },
      });
      const files = new Map<string, Buffer>([
        ['model/weights.bin', randomBytes(150_000 + r)],
        ['model/notes.txt', Buffer.from(`written by ${user}@${host} into ${dataDir}\n`)],
      ]);
      for (const [path, bytes] of files) await store.putRunArtifact(`${experimentId}/${runId}/artifacts/${path}`, Readable.from([bytes]));
      artifacts.set(runId, files);
      store.updateRun(runId, { status: 'FINISHED', endTime: 1_700_000_100_000 });
    }
    const model = options.model ?? 'churn';
    registry.createModel(model);
    registry.createVersion(model, { source: `runs:/${runIds[0]}/model`, runId: runIds[0], creator: user });
    registry.createVersion(model, { source: `mlflow-artifacts:/${experimentId}/${runIds[1]}/artifacts/model`, runId: runIds[1], creator: user });
    registry.approvals.review(model, 1, { reviewer: user, reviewerDisplay: `${user} (lead)`, decision: 'approved', comment: `fine, checked on ${host}` });
    registry.setAlias(model, 'champion', 1, { actor: user, reason: 'best AUC' });
    return { experiment: experimentName, runIds, artifacts, user, host };
  } finally {
    await services.close();
  }
}
