import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor, Variable } from '@tensorflow/tfjs';
import { loadBackend, type Tf } from './backend.js';
import { ACTIVATIONS, resolveHyperparameters } from './hyperparams.js';
import { buildMlp, dataLoss, forward, inferencePass, type Head } from './mlp-model.js';
import { SeededRandom } from './prng.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadBackend('wasm')).tf;
});

/** Gradients of the loss for every trainable weight, through the training or the inference forward pass. */
function gradients(head: Head, activation: (typeof ACTIVATIONS)[number], training: boolean): Float32Array[] {
  const hp = resolveHyperparameters({ hiddenUnits: [16, 8], activation }, 3);
  const classes = head === 'multiclass' ? 3 : 2;
  const model = buildMlp(tf, 5, head, classes, hp, new SeededRandom(11));
  const random = new SeededRandom(5);
  const x = tf.tensor2d(Array.from({ length: 40 * 5 }, () => random.next() * 4 - 2), [40, 5]);
  const labels = Array.from({ length: 40 }, (_, i) => i % classes);
  const y = head === 'multiclass' ? tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() : tf.tensor2d(labels.map((l) => l + random.next() * 0.1), [40, 1]);
  const variables = model.trainableWeights.map((w) => w.read() as Variable);
  const { grads } = tf.variableGrads(() => dataLoss(tf, head, y, forward(tf, model, x, training)), variables);
  const values = variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
  tf.dispose([x, y, ...Object.values(grads)]);
  model.dispose();
  return values;
}

describe('forward in training (dense layers with the explicit-transpose gradient)', () => {
  const cases: [Head, (typeof ACTIVATIONS)[number]][] = [...ACTIVATIONS.map((a) => ['regression', a] as [Head, (typeof ACTIVATIONS)[number]]), ['binary', 'relu'], ['multiclass', 'tanh']];
  it.each(cases)('%s head, %s hidden layers: the same gradients as the layers’ own autodiff', (head, activation) => {
    const fast = gradients(head, activation, true);
    const reference = gradients(head, activation, false);
    expect(fast.map((g) => g.length)).toEqual(reference.map((g) => g.length));
    fast.forEach((g, i) => {
      const scale = Math.max(1e-3, ...reference[i]!.map(Math.abs));
      g.forEach((value, j) => expect(Math.abs(value - reference[i]![j]!) / scale).toBeLessThan(1e-4));
    });
    // Not all zero: the comparison above would pass trivially on dead gradients.
    expect(fast.some((g) => g.some((v) => v !== 0))).toBe(true);
  });
});

describe('forward in inference (the fused kernels Dense.call uses, without the layers machinery)', () => {
  it.each([...ACTIVATIONS.map((a) => ['multiclass', a] as const), ['binary', 'relu'] as const, ['regression', 'tanh'] as const])('%s head, %s hidden layers: what model.predict computes', (head, activation) => {
    // With dropout layers too: inference skips them, as model.predict does.
    const hp = resolveHyperparameters({ hiddenUnits: [16, 8], activation, dropout: 0.3 }, 3);
    const model = buildMlp(tf, 5, head, 3, hp, new SeededRandom(11));
    const random = new SeededRandom(9);
    const x = tf.tensor2d(Array.from({ length: 7 * 5 }, () => random.next() * 4 - 2), [7, 5]);
    const fast = tf.tidy(() => forward(tf, model, x, false));
    // The prediction server's pass: the layer walk done once, then applied to several batches.
    const pass = inferencePass(tf, model);
    const planned = [tf.tidy(() => pass(x)), tf.tidy(() => pass(x))];
    const reference = model.predict(x) as Tensor;
    const b = reference.dataSync();
    for (const output of [fast, ...planned]) {
      const a = output.dataSync();
      expect(a.length).toBe(b.length);
      a.forEach((value, i) => expect(Math.abs(value - b[i]!)).toBeLessThan(1e-6));
    }
    tf.dispose([x, fast, ...planned, reference]);
    model.dispose();
  });
});
