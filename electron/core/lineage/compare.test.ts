import { describe, expect, it } from 'vitest';
import { codeNotes, compareMetrics, environmentNotes } from './compare.js';
import { sampleLineage } from './test-lineage.js';

const recorded = sampleLineage('r').environment;
const host = { ...recorded };
const wasm = { name: 'wasm' as const, engine: 'wasm', tfVersion: '4.22.0', details: { wasmVersion: '4.22.0', simd: true, threads: 1 }, skipped: [] };

describe('compareMetrics', () => {
  it('demands the very same numbers at tolerance 0 and applies a relative tolerance otherwise', () => {
    const original = { loss: 0.5, acc: 0.9, nan: NaN, only_original: 1 };
    const exact = compareMetrics(original, { loss: 0.5, acc: 0.9000001, nan: NaN, only_reproduced: 2 });
    expect(exact.map((c) => c.key)).toEqual(['acc', 'loss', 'nan', 'only_original', 'only_reproduced']);
    expect(exact.map((c) => c.equal)).toEqual([false, true, true, false, false]);
    expect(exact[0]).toMatchObject({ original: 0.9, reproduced: 0.9000001, tolerance: 0 });
    expect(exact[0]!.absDiff).toBeCloseTo(1e-7, 12);
    expect(exact[0]!.relDiff).toBeCloseTo(1e-7 / 0.9000001, 12);
    expect(exact[2]).toMatchObject({ original: null, reproduced: null, equal: true });
    expect(exact[3]).toMatchObject({ original: 1, reproduced: null, absDiff: null, equal: false });

    const loose = compareMetrics({ acc: 0.9, zero: 0 }, { acc: 0.9000001, zero: 0 }, 1e-6);
    expect(loose.every((c) => c.equal && c.tolerance === 1e-6)).toBe(true);
    expect(compareMetrics({ acc: 0.9 }, { acc: 0.91 }, 1e-3)[0]!.equal).toBe(false);
  });
});

describe('environmentNotes', () => {
  it('blocks on an unavailable backend or another TF.js version, warns on the rest', () => {
    expect(environmentNotes(recorded, host, { ok: true, info: wasm })).toEqual({ problems: [], warnings: [] });

    const missing = environmentNotes({ ...recorded, backend: 'node-gpu' }, host, { ok: false, reason: '@tensorflow/tfjs-node-gpu is not installed' });
    expect(missing.problems).toEqual([{ code: 'backend_unavailable', message: expect.stringMatching(/'node-gpu'.*not available here: @tensorflow\/tfjs-node-gpu is not installed/) }]);

    const older = environmentNotes({ ...recorded, tfjs: '4.20.0' }, host, { ok: true, info: wasm });
    expect(older.problems).toEqual([{ code: 'tfjs_version', message: expect.stringContaining('recorded 4.20.0, here 4.22.0') }]);

    const elsewhere = environmentNotes(recorded, { ...host, node: '22.1.0', os: 'darwin', cpuModel: 'Apple M3', gpus: [], electron: null }, { ok: true, info: { ...wasm, details: { ...wasm.details, simd: false } } });
    expect(elsewhere.problems).toEqual([]);
    expect(elsewhere.warnings.map((w) => w.code).sort()).toEqual(['backend_details', 'cpu', 'electron_version', 'gpu', 'node_version', 'os']);
    expect(elsewhere.warnings.find((w) => w.code === 'node_version')!.message).toBe('The Node.js version differs: recorded 20.19.0, here 22.1.0.');
  });
});

describe('codeNotes', () => {
  const code = sampleLineage('r').code;
  const git = code.git!;
  it('warns about the recorded uncommitted changes and about another commit here, never blocks', () => {
    const same = codeNotes(code, { projectDir: '/p', git: { ...git }, gitProblem: null });
    expect(same.map((n) => n.code)).toEqual(['code_dirty']);
    const moved = codeNotes({ ...code, git: { ...git, dirty: false } }, { projectDir: '/p', git: { ...git, commit: 'f'.repeat(40) }, gitProblem: null });
    expect(moved).toEqual([{ code: 'code_commit', message: expect.stringContaining(`commit ${'a'.repeat(12)} (main), /p is at ${'f'.repeat(12)}`) }]);
    expect(codeNotes({ ...code, git: null, gitProblem: 'not a git repository' }, { projectDir: '/p', git: null, gitProblem: 'not a git repository' })).toEqual([
      { code: 'code_unknown', message: "The original's code version is unknown (not a git repository)." },
    ]);
  });
});
