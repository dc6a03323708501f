import { describe, expect, it } from 'vitest';
import { parseLogBatch, plainLogBatch, schemas } from './request-schemas.js';

const point = { key: 'loss', value: 0.5, timestamp: 1_700_000_000_000, step: 3 };

/** Bodies a client may send, valid or not; the plain reader must agree with the schema on each it takes. */
const bodies: unknown[] = [
  { run_id: 'r', metrics: [point] },
  { run_id: 'r', metrics: [{ ...point, step: undefined }], params: [{ key: 'p', value: 'v' }], tags: [{ key: 't', value: '' }] },
  { run_id: 'r', metrics: [{ ...point, extra: 'ignored' }], unknown_field: 1 },
  { run_id: 'r' },
  { run_id: 'r', metrics: [], params: [], tags: [] },
  { run_id: 'r', metrics: [{ ...point, value: -0 }, { ...point, value: 1e308 }, { ...point, step: -5 }] },
  { run_id: 'r', metrics: [{ ...point, value: 'NaN' }] },
  { run_id: 'r', metrics: [{ ...point, value: '1.5' }] },
  { run_id: 'r', metrics: [{ ...point, timestamp: '1700000000000' }] },
  { run_id: 'r', metrics: [{ ...point, step: '7' }] },
  { run_id: 'r', metrics: [{ ...point, timestamp: 1.5 }] },
  { run_id: 'r', metrics: [{ ...point, timestamp: 2 ** 60 }] },
  { run_id: 'r', metrics: [{ ...point, step: null }] },
  { run_id: 'r', metrics: [{ ...point, key: 5 }] },
  { run_id: 'r', metrics: [{ key: 'loss', value: 1 }] },
  { run_id: 'r', metrics: [null] },
  { run_id: 'r', metrics: [[point]] },
  { run_id: 'r', metrics: point },
  { run_id: 'r', params: [{ key: 'p' }] },
  { run_id: 'r', params: [{ key: 'p', value: 1 }] },
  { run_id: 'r', tags: 'x' },
  { run_id: 7, metrics: [point] },
  { metrics: [point] },
  [],
  null,
  'text',
];

describe('plainLogBatch', () => {
  it('takes only bodies the schema accepts, and reads them exactly as the schema does', () => {
    let taken = 0;
    for (const body of bodies) {
      const plain = plainLogBatch(body);
      const schema = schemas.logBatch.safeParse(body ?? {});
      if (plain === undefined) continue;
      taken++;
      expect(schema.success, JSON.stringify(body)).toBe(true);
      expect(plain).toEqual(schema.data);
    }
    expect(taken).toBe(6);
  });

  it('leaves everything else to the schema, so errors name the field as before', () => {
    expect(() => parseLogBatch({ run_id: 'r', metrics: [{ ...point, timestamp: 1.5 }] })).toThrow(/metrics\[0\]\.timestamp/);
    expect(parseLogBatch({ run_id: 'r', metrics: [{ ...point, value: 'NaN' }] }).metrics[0]!.value).toBeNaN();
    expect(parseLogBatch({ run_id: 'r', metrics: [{ ...point, timestamp: '12' }] }).metrics[0]!.timestamp).toBe(12);
  });
});
