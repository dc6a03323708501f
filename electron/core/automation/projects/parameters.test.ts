import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EntryPointSchema, type EntryPoint } from '../../../../shared/automation.js';
import { MLDeskError } from '../../errors.js';
import { fillCommand, fillTemplate, shellQuote, typedValue } from './parameters.js';

const dir = mkdtempSync(join(tmpdir(), 'params-'));
writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');

const entry = (parameters: Record<string, unknown>, command: string): EntryPoint => EntryPointSchema.parse({ parameters, command });

function refusal(fn: () => unknown): MLDeskError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MLDeskError);
    expect((error as MLDeskError).code).toBe('INVALID_PARAMETER_VALUE');
    return error as MLDeskError;
  }
  throw new Error('expected a refusal');
}

/** What bash makes of a filled command: its argv, one per line. */
function bashArgv(command: string): string[] {
  const out = spawnSync('bash', ['-c', `printf '%s\\n' ${command}`], { encoding: 'utf8' });
  return out.stdout.split('\n').slice(0, -1);
}

describe('parameter types', () => {
  it('checks and normalises each type', () => {
    expect(typedValue('s', 'string', ' x ', dir)).toBe(' x ');
    expect(typedValue('f', 'float', '0.50', dir)).toBe('0.5');
    expect(typedValue('f', 'float', '1e-3', dir)).toBe('0.001');
    expect(typedValue('i', 'int', '+042', dir)).toBe('42');
    expect(typedValue('i', 'int', '12345678901234567890', dir)).toBe('12345678901234567890');
    expect(typedValue('b', 'bool', 'Yes', dir)).toBe('true');
    expect(typedValue('b', 'bool', '0', dir)).toBe('false');
    expect(typedValue('u', 'uri', 's3://bucket/key', dir)).toBe('s3://bucket/key');
    expect(typedValue('u', 'uri', 'dataset:iris@2', dir)).toBe('dataset:iris@2');
    expect(typedValue('p', 'path', 'data.csv', dir)).toBe(join(dir, 'data.csv'));
    expect(typedValue('p', 'path', `file://${join(dir, 'data.csv')}`, dir)).toBe(join(dir, 'data.csv'));
    expect(typedValue('l', 'list', '[1, "a", true]', dir)).toBe('[1,"a",true]');
    expect(typedValue('l', 'list', 'a, b,c', dir)).toBe('["a","b","c"]');
    expect(typedValue('l', 'list', '16,8,007,1.5', dir)).toBe('[16,8,"007",1.5]');
    expect(typedValue('l', 'list', '', dir)).toBe('[]');
  });

  it('refuses ill-typed values naming the parameter and the problem', () => {
    expect(refusal(() => typedValue('alpha', 'float', 'abc', dir)).message).toBe("Parameter 'alpha' (float): 'abc' is not a finite number.");
    expect(refusal(() => typedValue('alpha', 'float', 'Infinity', dir)).message).toMatch(/'alpha'.*finite/);
    expect(refusal(() => typedValue('alpha', 'float', '', dir)).message).toMatch(/'alpha'/);
    expect(refusal(() => typedValue('epochs', 'int', '1.5', dir)).message).toBe("Parameter 'epochs' (int): '1.5' is not an integer.");
    expect(refusal(() => typedValue('shuffle', 'bool', 'maybe', dir)).message).toMatch(/'shuffle' \(bool\): 'maybe' is not a boolean/);
    expect(refusal(() => typedValue('src', 'uri', 'no-scheme', dir)).message).toMatch(/'src' \(uri\): expected a URI/);
    expect(refusal(() => typedValue('data', 'path', 'missing.csv', dir)).message).toMatch(/'data' \(path\): got 'missing.csv', but no such file or directory/);
    expect(refusal(() => typedValue('data', 'path', 's3://bucket/x.csv', dir)).message).toMatch(/'data' \(path\).*does not download/);
    expect(refusal(() => typedValue('layers', 'list', '[1, {"a": 2}]', dir)).message).toMatch(/'layers' \(list\).*flat JSON array/);
    expect(refusal(() => typedValue('layers', 'list', '[1, 2', dir)).message).toMatch(/'layers' \(list\).*not a valid JSON array/);
  });
});

describe('command filling', () => {
  const main = entry(
    { alpha: { type: 'float', default: 0.1 }, epochs: { type: 'int' }, data: { type: 'path', default: 'data.csv' }, layers: { type: 'list', default: [16, 8] }, verbose: { type: 'bool', default: false }, name: {} },
    'python train.py --alpha {alpha} --epochs {epochs} --data {data} --layers {layers} --verbose {verbose} --name {name} {{literal}}',
  );

  it('fills placeholders with quoted values and appends undeclared parameters as --key value (MLflow)', () => {
    const filled = fillCommand(main, { epochs: '5', name: 'run one', extra_flag: 'x y' }, { baseDir: dir });
    expect(filled.command).toBe(`python train.py --alpha 0.1 --epochs 5 --data ${join(dir, 'data.csv')} --layers '[16,8]' --verbose false --name 'run one' {literal} --extra_flag 'x y'`);
    expect(filled.parameters.map((p) => [p.name, p.value, p.source])).toEqual([
      ['alpha', '0.1', 'default'],
      ['epochs', '5', 'given'],
      ['data', join(dir, 'data.csv'), 'default'],
      ['layers', '[16,8]', 'default'],
      ['verbose', 'false', 'default'],
      ['name', 'run one', 'given'],
    ]);
    expect(filled.extra).toEqual([{ name: 'extra_flag', type: 'string', value: 'x y', source: 'given' }]);
  });

  it('refuses missing parameters together, by name, before anything runs', () => {
    expect(refusal(() => fillCommand(main, {}, { baseDir: dir })).message).toBe("No value given for missing parameters: 'epochs', 'name'.");
  });

  it('names the parameter when its MLproject default is ill-typed', () => {
    const bad = entry({ rate: { type: 'float', default: 'fast' } }, 'x {rate}');
    expect(refusal(() => fillCommand(bad, {}, { baseDir: dir })).message).toMatch(/^Parameter 'rate' \(float\): 'fast' is not a finite number\. \(this is the MLproject's default/);
  });

  it('passes hostile values as one inert argument each', () => {
    const echo = entry({ a: {}, b: {}, c: {} }, 'printf-args {a} {b} {c}');
    const hostile = { a: '; rm -rf /', b: '$(touch /tmp/pwned) `id`', c: "it's \"quoted\" \n newline" };
    const filled = fillCommand(echo, { ...hostile, d: '| cat /etc/passwd' }, { baseDir: dir });
    expect(bashArgv(filled.command.replace('printf-args ', ''))).toEqual([hostile.a, hostile.b, ...hostile.c.split('\n'), '--d', '| cat /etc/passwd']);
  });

  it('refuses an undeclared parameter whose name would inject into the command', () => {
    expect(refusal(() => fillCommand(entry({}, 'x'), { 'a;rm -rf /': '1' }, { baseDir: dir })).message).toMatch(/Parameter 'a;rm -rf \/': an undeclared parameter/);
  });

  it('refuses unknown placeholders and stray braces in the command', () => {
    expect(refusal(() => fillTemplate('run {nope}', new Map([['a', '1']]))).message).toMatch(/uses \{nope\}, which is not a declared parameter \(declared: a\)/);
    expect(refusal(() => fillTemplate('run {a', new Map())).message).toMatch(/unclosed/);
    expect(refusal(() => fillTemplate('run }', new Map())).message).toMatch(/single '\}'/);
  });

  it('quotes like shlex.quote', () => {
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a-b_c.d/e:f,g=h+i@%')).toBe('a-b_c.d/e:f,g=h+i@%');
    expect(shellQuote("a'b")).toBe(`'a'"'"'b'`);
  });
});
