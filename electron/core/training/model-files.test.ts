import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackend, type Tf } from './backend.js';
import { resolveHyperparameters } from './hyperparams.js';
import { forward } from './mlp-model.js';
import { loadModelDir, MODEL_FILES, modelFiles, type ModelSignature } from './model-files.js';
import { encodeTableRows } from './preprocessing.js';
import { irisTable, linearTable } from './test-tables.js';
import { train } from './trainer.js';

let tf: Tf;
let dir: string;
beforeAll(async () => {
  tf = (await loadBackend('wasm')).tf;
  dir = await mkdtemp(join(tmpdir(), 'mldesk-model-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function save(files: { path: string; bytes: Buffer }[], sub: string): Promise<string> {
  const target = join(dir, sub);
  await rm(target, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(target, { recursive: true }));
  for (const file of files) await writeFile(join(target, file.path), file.bytes);
  return target;
}

describe('saved models', () => {
  it('a classifier saves the four files and reloads predicting exactly what it predicted before', async () => {
    const table = irisTable();
    const hp = resolveHyperparameters({ hiddenUnits: [8], learningRate: 0.02, epochs: 5, dropout: 0.1 }, 3);
    const result = await train({ tf, table, target: 'species', hyperparameters: hp });
    const files = await modelFiles(tf, result.model, result.preprocessing, 'mlp');
    expect(files.map((f) => f.path)).toEqual([...MODEL_FILES]);
    const path = await save(files, 'iris');

    const rows = [0, 60, 120, 149];
    const before = tf.tidy(() => forward(tf, result.model, tf.tensor2d(encodeTableRows(result.preprocessing, table, rows), [rows.length, 4]), false)).dataSync();
    const loaded = await loadModelDir(tf, path);
    const records = rows.map((r) => Object.fromEntries(table.columns.slice(0, 4).map((c, i) => [c.name, table.rows[r]![i]!])));
    expect(Array.from(loaded.scores(records))).toEqual(Array.from(before));
    const predictions = loaded.predict(records);
    expect(predictions[0]!.label).toBe('setosa');
    expect(predictions[0]!.probabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    const signature = JSON.parse(files.find((f) => f.path === 'signature.json')!.bytes.toString()) as ModelSignature;
    expect(signature.inputs.map((i) => i.name)).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(signature.inputs[0]!.range!.min).toBeGreaterThan(4);
    expect(signature.output).toEqual({ name: 'species', task: 'classification', kind: 'probabilities', classes: ['setosa', 'versicolor', 'virginica'] });
    result.model.dispose();
    loaded.dispose();
  });

  it('a regressor reloads and predicts in the target units; categories are listed in the signature', async () => {
    const table = linearTable(200);
    const result = await train({ tf, table, target: 'y', hyperparameters: resolveHyperparameters({ hiddenUnits: [16], learningRate: 0.01, epochs: 30 }, 2) });
    const path = await save(await modelFiles(tf, result.model, result.preprocessing, 'mlp'), 'linear');
    const loaded = await loadModelDir(tf, path);
    const [b, a] = loaded.predict([
      { x1: 0, x2: 0, x3: 4, kind: 'b' },
      { x1: 0, x2: 0, x3: 4, kind: 'a' },
    ]);
    // True values 6 and 2: the 'kind' effect of +4 must show in the original units.
    expect(b!.value! - a!.value!).toBeGreaterThan(2.5);
    expect(loaded.signature.inputs.find((i) => i.name === 'kind')).toMatchObject({ type: 'categorical', categories: ['a', 'b'] });
    expect(loaded.signature.output.kind).toBe('value');
    expect(() => loaded.predict([{ x1: 0, x2: 0, x3: 1, kind: 'c' }], 'error')).toThrow(/'c', unseen in training/);
    result.model.dispose();
    loaded.dispose();
  });

  it('loading a directory that is not a model says which file is missing', async () => {
    await expect(loadModelDir(tf, join(dir, 'nothing'))).rejects.toThrow(/cannot read model.json/);
  });
});
