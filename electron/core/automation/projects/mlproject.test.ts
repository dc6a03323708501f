import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MLDeskError } from '../../errors.js';
import { environmentFiles } from './environment.js';
import { loadProject, resolveEntryPoint } from './mlproject.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlproject-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect((error as MLDeskError).code).toBe('INVALID_PARAMETER_VALUE');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('MLproject parsing', () => {
  it("reads MLflow's format, the type shorthand included", () => {
    const dir = project({
      MLproject: `name: demo
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      alpha: float
      l1_ratio: {type: float, default: 0.1}
      layers: {type: list, default: [64, 32]}
      data_file: path
    command: "python train.py {alpha} {l1_ratio}"
  validate:
    command: "python validate.py"
`,
      'python_env.yaml': 'python: "3.11"\n',
    });
    const loaded = loadProject(dir);
    expect(loaded.hasMLproject).toBe(true);
    expect(loaded.project.name).toBe('demo');
    expect(loaded.project.python_env).toBe('python_env.yaml');
    expect(loaded.project.entry_points.main!.parameters).toEqual({
      alpha: { type: 'float' },
      l1_ratio: { type: 'float', default: 0.1 },
      layers: { type: 'list', default: [64, 32] },
      data_file: { type: 'path' },
    });
    expect(loaded.project.entry_points.validate!.parameters).toEqual({});
  });

  it('refuses a broken MLproject naming the field', () => {
    expect(refusal(() => loadProject(project({ MLproject: 'entry_points:\n  main:\n    parameters: {}\n' })))).toMatch(/MLproject: 'entry_points\.main\.command'/);
    expect(refusal(() => loadProject(project({ MLproject: 'entry_points:\n  main:\n    parameters:\n      a: {type: tensor}\n    command: x\n' })))).toMatch(/'entry_points\.main\.parameters\.a\.type'/);
    expect(refusal(() => loadProject(project({ MLproject: 'entry_points: [\n' })))).toMatch(/not valid YAML/);
    expect(refusal(() => loadProject(project({ MLproject: 'python_env: a.yaml\nconda_env: b.yaml\nentry_points: {}\n' })))).toMatch(/python_env or conda_env, not both/);
    expect(refusal(() => loadProject(join(tmpdir(), 'no-such-project-folder')))).toMatch(/does not exist/);
  });

  it('without MLproject, runs .py / .sh files as MLflow does and picks up python_env.yaml', () => {
    const dir = project({ 'train.py': 'print(1)\n', 'run me.sh': 'echo 1\n', 'python_env.yaml': 'python: "3.11"\n' });
    const loaded = loadProject(dir);
    expect(loaded.hasMLproject).toBe(false);
    expect(loaded.project.python_env).toBe('python_env.yaml');
    expect(resolveEntryPoint(loaded, 'train.py')).toEqual({ parameters: {}, command: 'python train.py' });
    expect(resolveEntryPoint(loaded, 'run me.sh').command).toBe("bash 'run me.sh'");
    expect(refusal(() => resolveEntryPoint(loaded, 'main'))).toMatch(/Entry point 'main' is not among the project's entry points \(no MLproject file\)/);
    expect(refusal(() => resolveEntryPoint(loaded, 'missing.py'))).toMatch(/no such file/);
    expect(refusal(() => resolveEntryPoint(loaded, '../outside.py'))).toMatch(/outside the project folder/);
  });

  it('refuses environment files outside the project', () => {
    const dir = project({ MLproject: 'python_env: ../../etc/passwd\nentry_points: {main: {command: x}}\n' });
    const loaded = loadProject(dir);
    expect(refusal(() => environmentFiles(dir, loaded.project))).toMatch(/'python_env' points outside the project folder/);
  });
});
