import { describe, expect, it } from 'vitest';
import type { ModelSignature } from '../training/model-files.js';
import { rangeWarnings } from './range-warnings.js';

const signature = (withRanges: boolean): ModelSignature => ({
  format: 'mldesk.signature',
  version: 1,
  template: 'mlp',
  inputs: [
    { name: 'tenure_months', type: 'integer', imputedWith: 31, ...(withRanges ? { range: { min: 0, max: 72 } } : {}) },
    { name: 'plan', type: 'categorical', imputedWith: 'basic', categories: ['basic', 'premium'] },
  ],
  ignoredColumns: [],
  output: { name: 'churned', task: 'classification', kind: 'probabilities', classes: ['no', 'yes'], positiveClass: 'yes' },
  unknownCategory: 'error',
});

describe('rangeWarnings', () => {
  it('marks each row whose number lies outside the training range, naming the feature and the range', () => {
    const warnings = rangeWarnings(signature(true), [
      { tenure_months: 12, plan: 'basic' },
      { tenure_months: 500, plan: 'basic' },
      { tenure_months: null, plan: 'premium' },
      { tenure_months: -1, plan: 'premium' },
    ]);
    expect(warnings).toEqual([
      undefined,
      [{ feature: 'tenure_months', value: 500, min: 0, max: 72, message: 'tenure_months=500 is outside the range seen in training (0 to 72); the prediction is an extrapolation.' }],
      undefined,
      [expect.objectContaining({ feature: 'tenure_months', value: -1 })],
    ]);
    expect(rangeWarnings(signature(true), [{ tenure_months: 72, plan: 'basic' }])).toBeNull();
  });

  it('gives none for a version trained before ranges were recorded', () => {
    expect(rangeWarnings(signature(false), [{ tenure_months: 500, plan: 'basic' }])).toBeNull();
  });
});
