import { describe, expect, it } from 'vitest';
import { countOverlap, overlapWarning, rowHash, tableRowHashes } from './row-hashes.js';

describe('row hashes for the training-data overlap', () => {
  it('the same features and label hash alike however the file spelled them; any changed value does not', () => {
    expect(rowHash([1.5, 'basic', true, 'no'])).toBe(rowHash(['1.50', ' basic ', true, 'no']));
    expect(rowHash([1, null, 'x'])).toBe(rowHash([1, undefined, 'x']));
    expect(rowHash([1.5, 'basic', true, 'no'])).not.toBe(rowHash([1.5, 'basic', true, 'yes']));
    expect(rowHash([1.5, 'basic', true, 'no'])).not.toBe(rowHash([1.5, 'basic', false, 'no']));
    // Text that is not a number stays text: '1e' is not 1.
    expect(rowHash(['1e'])).not.toBe(rowHash([1]));
    // Column boundaries count: ['ab', 'c'] is not ['a', 'bc'].
    expect(rowHash(['ab', 'c'])).not.toBe(rowHash(['a', 'bc']));
  });

  it('reads columns by name, so column order and columns the model ignores do not matter', () => {
    const training = { columns: [{ name: 'id' }, { name: 'x' }, { name: 'y' }], rows: [[1, 0.5, 'a'], [2, 0.7, 'b']] };
    const evaluated = { columns: [{ name: 'y' }, { name: 'x' }, { name: 'id' }], rows: [['b', 0.7, 99], ['a', 0.9, 100], ['b', 0.7, 101]] };
    const overlap = countOverlap(tableRowHashes(evaluated, ['x', 'y']), tableRowHashes(training, ['x', 'y']));
    // Duplicates count as the rows they are: two evaluated rows equal one training row.
    expect(overlap).toBe(2);
  });

  it('warns with the count and share, and not at all without overlap', () => {
    expect(overlapWarning(0, 10, 'd@1')).toBeNull();
    expect(overlapWarning(10, 10, 'd@1')).toContain('10 of 10 evaluated rows (100%) are also rows of the training data d@1');
    expect(overlapWarning(1, 3, 'd@1')).toContain('(33.3%)');
    expect(overlapWarning(1, 100_000, 'd@1')).toContain('1 of 100,000 evaluated rows (<0.1%)');
    expect(overlapWarning(99_999, 100_000, 'd@1')).toContain('(99.9%)');
  });
});
