import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../training/prng.js';
import { sortFloat64 } from './radix-sort.js';

describe('sortFloat64', () => {
  it('sorts like TypedArray#sort: negatives, zeros, duplicates, subnormals, huge and tiny magnitudes', () => {
    const random = new SeededRandom(3);
    for (const n of [0, 1, 5, 2047, 2048, 10_000, 100_003]) {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const kind = random.int(6);
        values[i] = kind === 0 ? random.int(10) - 5 : kind === 1 ? random.normal() * 1e300 : kind === 2 ? random.normal() * 5e-324 * random.int(100) : kind === 3 ? 0 : random.normal() * 10 ** (random.int(40) - 20);
      }
      const expected = Float64Array.from(values).sort();
      const actual = sortFloat64(Float64Array.from(values));
      for (let i = 0; i < n; i++) expect(actual[i] === expected[i], `n=${n} i=${i}: ${actual[i]} vs ${expected[i]}`).toBe(true);
    }
  });

  it('sorts a view in place without touching the rest of its buffer', () => {
    const buffer = new Float64Array(5000).map((_, i) => 5000 - i);
    const view = buffer.subarray(1000, 4000);
    sortFloat64(view);
    expect(view[0]).toBe(1001);
    expect(view[2999]).toBe(4000);
    expect(buffer[0]).toBe(5000);
    expect(buffer[4999]).toBe(1);
  });
});
