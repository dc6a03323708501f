import { describe, expect, it } from 'vitest';
import { OPERATION_NAMES } from '../../../shared/app-api/operations';
import { api } from './app-client';

describe('app client', () => {
  it('has a function for every operation the contracts name, nested ones (alerts.rules.list) included', () => {
    const missing = OPERATION_NAMES.filter((name) => typeof (api as unknown as Record<string, unknown>)[name] !== 'function');
    expect(missing).toEqual([]);
    expect(OPERATION_NAMES).toContain('alerts.rules.list');
  });

  it('answers undefined for what is no operation name (a promise check, a symbol)', () => {
    const record = api as unknown as Record<string | symbol, unknown>;
    expect(record.then).toBeUndefined();
    expect(record[Symbol.iterator]).toBeUndefined();
  });
});
