import { describe, expect, it } from 'vitest';
import { parseTarget } from './prediction-server.js';
import { requestId } from './scoring-batcher.js';

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

describe('requestId', () => {
  it('gives unique, well-formed UUIDv7 ids whose order follows time', async () => {
    const ids = Array.from({ length: 5000 }, () => requestId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const timeOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(timeOf(ids[0]!) - Date.now())).toBeLessThan(5000);
    const before = requestId();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = requestId();
    expect(timeOf(after)).toBeGreaterThan(timeOf(before));
    expect(after > before).toBe(true);
  });
});
