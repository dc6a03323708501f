import { describe, expect, it } from 'vitest';
import { parseSweepSpecYaml } from './sweep-spec.js';

const valid = `
name: lr-search
project: ./train
method: tpe
metric: {name: val_loss, goal: minimize}
parameters:
  lr: {distribution: log_uniform_values, min: 0.00001, max: 0.1}
  layers: {values: [1, 2, 3]}
early_terminate: {type: asha, min_iter: 1, eta: 3}
run_cap: 20
`;

describe('sweep spec', () => {
  it('parses a W&B-like spec with defaults', () => {
    const spec = parseSweepSpecYaml(valid);
    expect(spec).toMatchObject({ name: 'lr-search', entry: 'main', method: 'tpe', run_cap: 20, stale_after_s: 300 });
    expect(spec.early_terminate).toEqual({ type: 'asha', min_iter: 1, eta: 3 });
  });

  it.each([
    ['method: bayes', 'method'],
    ['metric: {name: loss, goal: lowest}', 'metric.goal'],
    ['parameters: {lr: {distribution: log_uniform_values, min: 0, max: 1}}', 'parameters.lr: log_uniform_values needs min > 0'],
    ['parameters: {lr: {min: 1, max: 0.1}}', 'parameters.lr: min (1) must be less than max (0.1)'],
    ['parameters: {lr: {valuez: [1]}}', 'parameters.lr: expected one of'],
    ['parameters: {}', 'parameters: at least one parameter'],
    ['run_cap: -3', 'run_cap'],
    ['early_terminate: {type: asha, eta: 1}', 'early_terminate.eta'],
    ['early_terminate: {type: hyperband}', 'early_terminate.type'],
    ['colour: red', "unknown field(s) 'colour'"],
  ])('refuses %s, naming %s', (line, expected) => {
    const key = line.split(':')[0]!;
    const text = valid
      .split('\n')
      .filter((existing) => !existing.startsWith(`${key}:`) && !(key === 'parameters' && existing.startsWith('  ')))
      .concat(line)
      .join('\n');
    expect(() => parseSweepSpecYaml(text, 'sweep.yaml')).toThrow(expected);
  });

  it('refuses a grid over a continuous range and a grid too large', () => {
    expect(() => parseSweepSpecYaml(valid.replace('method: tpe', 'method: grid'))).toThrow('parameters.lr: grid search needs values');
    const huge = 'project: .\nmethod: grid\nmetric: {name: l, goal: minimize}\nparameters:\n  a: {distribution: int_uniform, min: 1, max: 1000}\n  b: {distribution: int_uniform, min: 1, max: 1000}\n';
    expect(() => parseSweepSpecYaml(huge)).toThrow('1000000 combinations (limit 10000)');
  });

  it('says where YAML is broken, and refuses what is not a mapping', () => {
    expect(() => parseSweepSpecYaml('project: [a\nmethod: grid', 'sweep.yaml')).toThrow(/sweep.yaml is not valid YAML at line \d+/);
    expect(() => parseSweepSpecYaml('- a\n- b', 'sweep.yaml')).toThrow('sweep.yaml: expected a mapping');
    expect(() => parseSweepSpecYaml('a: 1\na: 2', 'sweep.yaml')).toThrow('not valid YAML');
  });
});
