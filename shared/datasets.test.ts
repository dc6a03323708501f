import { describe, expect, it } from 'vitest';
import { DatasetNameSchema, parseDatasetRef } from './datasets.js';

describe('parseDatasetRef', () => {
  it('reads NAME, NAME@VERSION and NAME@latest', () => {
    expect(parseDatasetRef('iris')).toEqual({ name: 'iris' });
    expect(parseDatasetRef('iris@3')).toEqual({ name: 'iris', version: 3 });
    expect(parseDatasetRef('iris@latest')).toEqual({ name: 'iris' });
    expect(parseDatasetRef('churn-2024_v1.2@12')).toEqual({ name: 'churn-2024_v1.2', version: 12 });
    expect(parseDatasetRef('données@1')).toEqual({ name: 'données', version: 1 });
  });

  it('explains what is wrong with a malformed reference', () => {
    for (const bad of ['iris@0', 'iris@-1', 'iris@1.5', 'iris@', 'iris@v2']) {
      expect(parseDatasetRef(bad)).toEqual({ error: expect.stringContaining("the version after '@' must be a whole number") });
    }
    for (const bad of ['', '@2', '-iris', 'my data', 'a/b@1']) {
      expect(parseDatasetRef(bad)).toEqual({ error: expect.stringContaining('expected NAME or NAME@VERSION') });
    }
  });

  it('limits names to 128 characters', () => {
    expect(DatasetNameSchema.safeParse('a'.repeat(128)).success).toBe(true);
    expect(DatasetNameSchema.safeParse('a'.repeat(129)).success).toBe(false);
  });
});
