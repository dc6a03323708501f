import { describe, expect, it } from 'vitest';
import { checkForm, EMPTY_FORM, fieldOfServerError, specOf } from './new-sweep-model';

describe('New sweep form model', () => {
  const form = { ...EMPTY_FORM, project: '/work/project' };

  it('turns the form into a spec the server accepts', () => {
    expect(checkForm(form)).toEqual({});
    expect(specOf({ ...form, params: [...form.params, { name: 'opt', kind: 'values', values: 'sgd, adam, 3', min: '', max: '' }] })).toMatchObject({
      project: '/work/project',
      method: 'random',
      metric: { name: 'loss', goal: 'minimize' },
      parameters: { lr: { distribution: 'log_uniform_values', min: 0.0001, max: 0.1 }, opt: { values: ['sgd', 'adam', 3] } },
      run_cap: 16,
      early_terminate: { type: 'asha', min_iter: 1, eta: 3 },
    });
  });

  it('names the field at fault', () => {
    const errors = checkForm({ ...form, project: 'relative/path', parallel: '0', params: [{ name: 'lr', kind: 'log_uniform_values', values: '', min: '0', max: '1' }, { name: 'lr', kind: 'uniform', values: '', min: '2', max: '1' }] });
    expect(Object.keys(errors).sort()).toEqual(['parallel', 'parameters.0.min', 'parameters.1.max', 'parameters.1.name', 'project']);
  });

  it('puts a server error on the field it names', () => {
    expect(fieldOfServerError('Invalid sweep spec: parameters.lr: min (1) must be less than max (0.1).', form)).toEqual({ field: 'parameters.0.min', message: 'min (1) must be less than max (0.1).' });
    expect(fieldOfServerError('Invalid sweep spec: project: no folder at /x.', form)).toEqual({ field: 'project', message: 'no folder at /x.' });
    expect(fieldOfServerError('Something else', form)).toBeNull();
  });
});
