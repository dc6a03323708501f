import { describe, expect, it } from 'vitest';
import type { MLDeskError } from './errors.js';
import { MAX_JSON_DEPTH, nestingBeyond, parseJsonBody } from './json-body.js';

function errorOf(run: () => unknown): MLDeskError {
  try {
    run();
  } catch (error) {
    return error as MLDeskError;
  }
  throw new Error('expected an error');
}

describe('parseJsonBody', () => {
  it('parses ordinary JSON; an empty body is {} or an error, as the caller says', () => {
    expect(parseJsonBody('{"a": [1, 2]}')).toEqual({ a: [1, 2] });
    expect(parseJsonBody('  ')).toEqual({});
    expect(errorOf(() => parseJsonBody('', { empty: 'error' })).message).toMatch(/empty/);
  });

  it("reads Python's bare NaN and Infinity tokens when asked, but leaves strings alone", () => {
    expect(parseJsonBody('{"value": NaN, "b": -Infinity, "c": Infinity, "s": "NaN is fine"}', { nonFinite: 'strings' })).toEqual({
      value: 'NaN',
      b: '-Infinity',
      c: 'Infinity',
      s: 'NaN is fine',
    });
    expect(parseJsonBody('{"k": "say \\"NaN\\"", "v": NaN}', { nonFinite: 'strings' })).toEqual({ k: 'say "NaN"', v: 'NaN' });
    expect(errorOf(() => parseJsonBody('{"v": NaN}')).message).toMatch(/not valid JSON/);
  });

  it('reports malformed JSON as INVALID_PARAMETER_VALUE', () => {
    const error = errorOf(() => parseJsonBody('{"run_id": '));
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toMatch(/not valid JSON/);
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, naming the limit`, () => {
    const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
    expect(() => parseJsonBody(nested(MAX_JSON_DEPTH))).not.toThrow();
    const error = errorOf(() => parseJsonBody(nested(MAX_JSON_DEPTH + 1)));
    expect(error.code).toBe('INVALID_PARAMETER_VALUE');
    expect(error.message).toContain(`${MAX_JSON_DEPTH} levels`);
    // Truncated or not, a very deep body is refused before it is parsed.
    expect(errorOf(() => parseJsonBody('{"a":'.repeat(1_000_000))).message).toContain('levels');
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = `{"key": "${'['.repeat(500)}", "q": "a \\" [[[[", "v": [[1]]}`;
    expect(nestingBeyond(text, 2)).toBe(3);
    expect(nestingBeyond(text, 3)).toBe(0);
    expect(parseJsonBody(text)).toMatchObject({ v: [[1]] });
  });
});
