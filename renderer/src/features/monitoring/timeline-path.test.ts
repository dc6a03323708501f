import { describe, expect, it } from 'vitest';
import { pathOf } from './timeline-path';

describe('timeline paths', () => {
  const px = [0, 10, 20, 30, 40];
  it('breaks a line where values are missing and keeps every segment', () => {
    expect(pathOf(px, [1, 2, null, 4, 5], null, false, false)).toBe('M0.0,1.0L10.0,2.0M30.0,4.0L40.0,5.0');
  });
  it('joins over missing values when asked', () => {
    expect(pathOf(px, [1, null, 3, null, 5], null, false, true)).toBe('M0.0,1.0L20.0,3.0L40.0,5.0');
  });
  it('closes a band along its lower edge, per segment', () => {
    expect(pathOf(px, [1, 2, null, 4, 5], [9, 9, 9, 9, 9], false, false)).toBe('M0.0,1.0L10.0,2.0L10.0,9.0L0.0,9.0ZM30.0,4.0L40.0,5.0L40.0,9.0L30.0,9.0Z');
  });
  it('holds each value until the next point when drawn in steps', () => {
    expect(pathOf([0, 10, 20], [1, 2, 3], null, true, false)).toBe('M0.0,1.0L10.0,1.0L10.0,2.0L20.0,2.0L20.0,3.0');
  });
  it('draws nothing without values', () => {
    expect(pathOf(px, [null, null, null, null, null], null, false, false)).toBe('');
  });
});
