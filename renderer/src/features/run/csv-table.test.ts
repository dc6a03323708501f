import { describe, expect, it } from 'vitest';
import { parseDelimited } from './csv-table';

describe('parseDelimited', () => {
  it('reads quoted fields with commas, doubled quotes and CRLF', () => {
    const { rows, complete } = parseDelimited('a,b\r\n"x, y","say ""hi"""\r\n3,4', ',', 10);
    expect(rows).toEqual([['a', 'b'], ['x, y', 'say "hi"'], ['3', '4']]);
    expect(complete).toBe(true);
  });
  it('stops after maxRows', () => {
    const { rows, complete } = parseDelimited('1\n2\n3\n4\n', ',', 2);
    expect(rows).toEqual([['1'], ['2']]);
    expect(complete).toBe(false);
  });
});
