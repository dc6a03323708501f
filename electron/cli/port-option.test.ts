import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { portNumber } from './port-option.js';

describe('portNumber', () => {
  it('accepts 0-65535 and refuses anything else with the accepted range', () => {
    expect(portNumber('0')).toBe(0);
    expect(portNumber('8500')).toBe(8500);
    expect(portNumber('65535')).toBe(65535);
    for (const bad of ['65536', '-1', '80.5', 'http', '', ' 80']) {
      expect(() => portNumber(bad)).toThrow(InvalidArgumentError);
      expect(() => portNumber(bad)).toThrow(/0-65535/);
    }
  });
});
