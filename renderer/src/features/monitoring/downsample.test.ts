import { describe, expect, it } from 'vitest';
import { representativeIndices } from './downsample';

describe('representativeIndices', () => {
  it('keeps every window when they fit', () => {
    expect(representativeIndices(5, 10, () => 1, 'max')).toEqual([0, 1, 2, 3, 4]);
  });

  it('never returns more points than asked, and keeps a one-window spike', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i === 637 ? 0.9 : 0.1));
    const picked = representativeIndices(values.length, 100, (i) => values[i]!, 'max');
    expect(picked).toHaveLength(100);
    expect(picked).toContain(637);
    expect(new Set(picked).size).toBe(100);
  });

  it('keeps the lowest value for quality and skips windows without one', () => {
    const values: Array<number | null> = Array.from({ length: 400 }, (_, i) => (i % 2 ? null : 0.9));
    values[250] = 0.4;
    const picked = representativeIndices(values.length, 40, (i) => values[i]!, 'min');
    expect(picked).toContain(250);
    expect(picked.every((i) => values[i] !== null)).toBe(true);
  });
});
