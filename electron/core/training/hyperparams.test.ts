import { describe, expect, it } from 'vitest';
import { DEFAULT_HYPERPARAMETERS, hyperparameterParams, parseParamOverrides, PARAM_NAMES, resolveHyperparameters } from './hyperparams.js';

describe('hyperparameters', () => {
  it('fills in every default and logs every hyperparameter as a param', () => {
    const hp = resolveHyperparameters({ epochs: 5 }, 11);
    expect(hp).toEqual({ ...DEFAULT_HYPERPARAMETERS, epochs: 5, seed: 11 });
    const params = Object.fromEntries(hyperparameterParams(hp).map((p) => [p.key, p.value]));
    expect(Object.keys(params).sort()).toEqual([...PARAM_NAMES].sort());
    expect(params).toMatchObject({ hidden_units: '[64,64]', epochs: '5', seed: '11', learning_rate: '0.001', optimizer: 'adam', validation_split: '0.2' });
  });

  it('round-trips: the logged params parse back to the same hyperparameters', () => {
    const hp = resolveHyperparameters({ hiddenUnits: [8, 4], dropout: 0.25, l2: 1e-4, optimizer: 'sgd' }, 3);
    const again = parseParamOverrides(hyperparameterParams(hp).map((p) => `${p.key}=${p.value}`));
    expect(again).toEqual(hp);
  });

  it('parses overrides in snake or kebab case and names the key of a bad one', () => {
    expect(parseParamOverrides(['hidden-units=32,16', 'activation=TANH'])).toEqual({ hiddenUnits: [32, 16], activation: 'tanh' });
    expect(parseParamOverrides(['hidden_units=[]'])).toEqual({ hiddenUnits: [] });
    expect(() => parseParamOverrides(['dropout=2'])).toThrow(/'dropout'.*from 0 to 0.95/);
    expect(() => parseParamOverrides(['momentum=0.9'])).toThrow(/Unknown --param 'momentum'.*hidden_units/);
    expect(() => parseParamOverrides(['epochs'])).toThrow(/expected KEY=VALUE/);
    expect(() => resolveHyperparameters({ batchSize: 0 }, 1)).toThrow(/batch_size/);
  });
});
