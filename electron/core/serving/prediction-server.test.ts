import { describe, expect, it } from 'vitest';
import { parseTarget } from './prediction-server.js';

describe('parseTarget', () => {
  it('reads NAME@ALIAS, NAME/VERSION and a bare NAME', () => {
    expect(parseTarget('iris@champion')).toEqual({ name: 'iris', alias: 'champion' });
    expect(parseTarget('iris/3')).toEqual({ name: 'iris', version: '3' });
    expect(parseTarget('team/iris/3')).toEqual({ name: 'team/iris', version: '3' });
    expect(parseTarget('iris')).toEqual({ name: 'iris' });
  });

  it('rejects an empty alias or a version that is not a positive integer', () => {
    expect(() => parseTarget('iris@')).toThrow(/NAME@ALIAS or NAME\/VERSION/);
    expect(() => parseTarget('iris/latest')).toThrow(/positive integer/);
    expect(() => parseTarget('iris/0')).toThrow(/positive integer/);
  });
});
