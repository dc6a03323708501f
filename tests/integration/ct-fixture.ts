/**
 * The champion a continuous-training test starts from: trained by `mldesk train` into a data dir,
 * a held-out file imported as a dataset, and version 1 registered, approved and made champion.
 */
import { expect } from 'vitest';
import { ModelRegistry } from '../../electron/core/registry/model-registry.js';
import { TrackingStore } from '../../electron/core/store/tracking-store.js';
import { runCli } from './server-process.js';

export interface ChampionSeed {
  dataDir: string;
  model: string;
  /** CSV the champion trains on, and its target column. */
  data: string;
  target: string;
  epochs: number;
  /** CSV imported as the dataset `holdoutName` (version 1). */
  holdout: string;
  holdoutName: string;
}

/** Answers the champion's run id. */
export async function seedChampion(seed: ChampionSeed): Promise<string> {
  const trained = await runCli(['train', '--data', seed.data, '--target', seed.target, '--epochs', String(seed.epochs), '--seed', '1', '--backend', 'cpu', '--data-dir', seed.dataDir, '--json'], { timeoutMs: 60_000 });
  expect(trained.code, trained.stderr).toBe(0);
  const runId = (JSON.parse(trained.stdout.trim()) as { run_id: string }).run_id;
  const imported = await runCli(['data', 'import', seed.holdout, '--name', seed.holdoutName, '--data-dir', seed.dataDir]);
  expect(imported.code, imported.stderr).toBe(0);
  const store = TrackingStore.open(seed.dataDir);
  try {
    const registry = new ModelRegistry(store.db);
    registry.createModel(seed.model);
    registry.createVersion(seed.model, { source: `runs:/${runId}/model`, runId, creator: 'alice' });
    registry.approvals.review(seed.model, '1', { reviewer: 'bob', decision: 'approved' });
    registry.setAlias(seed.model, 'champion', '1', { actor: 'bob' });
  } finally {
    store.close();
  }
  return runId;
}
