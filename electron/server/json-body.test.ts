import { describe, expect, it } from 'vitest';
import type { MLDeskError } from '../core/errors.js';
import { parseJsonBody } from './json-body.js';

describe('parseJsonBody', () => {
  it('parses ordinary JSON and treats an empty body as {}', () => {
    expect(parseJsonBody('{"a": [1, 2]}')).toEqual({ a: [1, 2] });
    expect(parseJsonBody('  ')).toEqual({});
  });

  it("reads Python's bare NaN and Infinity tokens but leaves strings alone", () => {
    expect(parseJsonBody('{"value": NaN, "b": -Infinity, "c": Infinity, "s": "NaN is fine"}')).toEqual({
      value: 'NaN',
      b: '-Infinity',
      c: 'Infinity',
      s: 'NaN is fine',
    });
    expect(parseJsonBody('{"k": "say \\"NaN\\"", "v": NaN}')).toEqual({ k: 'say "NaN"', v: 'NaN' });
  });

  it('reports malformed JSON as INVALID_PARAMETER_VALUE', () => {
    try {
      parseJsonBody('{"run_id": ');
      expect.fail('malformed JSON must throw');
    } catch (error) {
      expect((error as MLDeskError).code).toBe('INVALID_PARAMETER_VALUE');
      expect((error as MLDeskError).message).toMatch(/Malformed JSON/);
    }
  });
});
