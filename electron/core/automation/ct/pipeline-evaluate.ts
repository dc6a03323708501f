/**
 * The pipeline's evaluate step: champion and challenger scored on the SAME held-out dataset
 * version (pinned by ref and sha256), each as a stored quality test. The held-out rows must be in
 * neither model's training data: checked by row hashes over the model's inputs and label; a model
 * whose training data is unknown cannot be checked and is refused too.
 */
import type { DatasetVersion } from '../../../../shared/datasets.js';
import type { QualityTest } from '../../../../shared/app-api/quality-tests.js';
import type { DatasetStore } from '../../data/dataset-store.js';
import { MLDeskError } from '../../errors.js';
import { countOverlap, tableRowHashes } from '../../monitoring/row-hashes.js';
import { runQualityTest, type QualityTestServices } from '../../monitoring/quality-tests.js';

export interface EvaluatedModel {
  version: string;
  testId: number;
  training: string | null;
  overlapRows: number;
  metrics: Record<string, number | null>;
}

export interface EvaluateResult {
  holdout: { ref: string; sha256: string; rows: number };
  champion: EvaluatedModel;
  challenger: EvaluatedModel;
}

function checked(role: string, test: QualityTest): EvaluatedModel {
  if (!test.training) {
    throw new MLDeskError('INVALID_STATE', `Cannot evaluate on held-out data: the ${role} (version ${test.version}) has no training dataset in its lineage, so its rows cannot be checked against ${test.dataset.ref}.`);
  }
  if (test.overlap.rows > 0) {
    throw new MLDeskError(
      'INVALID_STATE',
      `Held-out data ${test.dataset.ref} is not held out: ${test.overlap.rows} of its ${test.dataset.rows} rows (by row hash) are in the ${role}'s training data ${test.training.ref} (version ${test.version}). Pick a held-out dataset neither model trained on.`,
    );
  }
  return { version: test.version, testId: test.id, training: test.training.ref, overlapRows: 0, metrics: test.metrics };
}

export async function evaluateOnHoldout(services: QualityTestServices, model: string, champion: string, challenger: string, holdout: DatasetVersion, log: (line: string) => void): Promise<EvaluateResult> {
  const results: EvaluatedModel[] = [];
  for (const [role, version] of [
    ['champion', champion],
    ['challenger', challenger],
  ] as const) {
    log(`scoring the ${role} (version ${version}) on ${holdout.ref} (sha256 ${holdout.sha256.slice(0, 12)}…)`);
    const test = await runQualityTest(services, { model, version, dataset: holdout.ref });
    if (test.dataset.sha256 !== holdout.sha256) throw new MLDeskError('INVALID_STATE', `The held-out data changed during the evaluation (${test.dataset.sha256} is not ${holdout.sha256}).`);
    const result = checked(role, test);
    log(`${role}: ${Object.entries(result.metrics).filter(([k, v]) => v !== null && !k.includes(':')).map(([k, v]) => `${k} ${(v as number).toFixed(4)}`).join(', ')} on ${test.rows} rows; no held-out row in its training data ${result.training}`);
    results.push(result);
  }
  return { holdout: { ref: holdout.ref, sha256: holdout.sha256, rows: holdout.rows }, champion: results[0]!, challenger: results[1]! };
}

/**
 * Checked before anything trains (and again by the evaluation): a held-out set that shares rows
 * with the champion's training data would make the comparison flatter the champion.
 */
export async function requireHeldOut(datasets: DatasetStore, holdout: DatasetVersion, training: DatasetVersion, hashColumns: string[], role: string): Promise<void> {
  const trained = new Set(tableRowHashes(await datasets.readRows(training), hashColumns));
  const shared = countOverlap(tableRowHashes(await datasets.readRows(holdout), hashColumns), trained);
  if (shared > 0) {
    throw new MLDeskError(
      'INVALID_STATE',
      `Held-out data ${holdout.ref} is not held out: ${shared} of its ${holdout.rows} rows (by row hash) are in the ${role}'s training data ${training.ref}. Pick a held-out dataset neither model trained on.`,
    );
  }
}
