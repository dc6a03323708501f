import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMETERS } from '../training/hyperparams.js';
import { canonicalJson, configSha256, trainingConfig } from './training-config.js';

const hyperparameters = { ...DEFAULT_HYPERPARAMETERS, seed: 7 };
const base = { template: 'mlp' as const, target: 'y', hyperparameters, data: 'iris@1' };

describe('training config hash', () => {
  it('is the same however keys are ordered, and covers every setting including defaults and seed', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
    const hash = configSha256(trainingConfig(base));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const reordered = Object.fromEntries(Object.entries(hyperparameters).reverse()) as typeof hyperparameters;
    expect(configSha256(trainingConfig({ ...base, hyperparameters: reordered }))).toBe(hash);
    expect(trainingConfig(base)).toMatchObject({ task: null, backend: 'auto', hyperparameters: { epochs: 100, batchSize: 32, seed: 7 } });

    const variants = [
      { ...base, hyperparameters: { ...hyperparameters, seed: 8 } },
      { ...base, hyperparameters: { ...hyperparameters, epochs: 99 } },
      { ...base, data: 'iris@2' },
      { ...base, target: 'z' },
      { ...base, task: 'regression' as const },
      { ...base, backend: 'cpu' as const },
    ];
    for (const variant of variants) expect(configSha256(trainingConfig(variant))).not.toBe(hash);
  });
});
