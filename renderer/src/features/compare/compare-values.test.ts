import { describe, expect, it } from 'vitest';
import { dimensionScale, scalePosition, valuesDiffer } from './compare-values';

describe('compare values', () => {
  it('counts a missing value as a difference', () => {
    expect(valuesDiffer(['1', '1', '1'])).toBe(false);
    expect(valuesDiffer(['1', undefined, '1'])).toBe(true);
    expect(valuesDiffer(['adam', 'sgd'])).toBe(true);
  });
  it('scales numbers linearly, and learning-rate-like ranges logarithmically', () => {
    const linear = dimensionScale(['32', '64', '96']);
    expect(linear.type === 'numeric' && linear.log).toBe(false);
    expect(scalePosition(linear, '64')).toBeCloseTo(0.5);
    const log = dimensionScale(['0.0001', '0.001', '0.01']);
    expect(log.type === 'numeric' && log.log).toBe(true);
    expect(scalePosition(log, '0.001')).toBeCloseTo(0.5);
  });
  it('scales strings as sorted categories and leaves missing values out', () => {
    const scale = dimensionScale(['sgd', 'adam', null, 'adamw']);
    expect(scale.type).toBe('categorical');
    expect(scalePosition(scale, 'adam')).toBe(0);
    expect(scalePosition(scale, 'sgd')).toBe(1);
    expect(scalePosition(scale, null)).toBeNull();
  });
});
