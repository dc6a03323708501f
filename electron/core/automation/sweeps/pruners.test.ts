import { describe, expect, it } from 'vitest';
import { AshaPruner, MedianPruner } from './pruners.js';

const options = { metric: 'loss', show: (loss: number) => loss };

describe('ASHA pruner', () => {
  it('puts rungs at min_iter·eta^k below max_iter', () => {
    expect(new AshaPruner(1, 3, 30, options).rungSteps).toEqual([1, 3, 9, 27]);
    expect(new AshaPruner(2, 2, 16, options).rungSteps).toEqual([2, 4, 8]);
  });

  it('promotes the top 1/eta at each rung as trials arrive, without waiting for the rung to fill', () => {
    const pruner = new AshaPruner(1, 3, undefined, options);
    // The first arrival is promoted: nobody to compare with, and nobody waits.
    expect(pruner.report(0, 1, 0.5)[0]).toMatchObject({ decision: 'continue' });
    // Fewer than eta at the rung: only a new best goes on.
    expect(pruner.report(1, 1, 0.7)[0]).toMatchObject({ decision: 'prune', value: 0.7 });
    expect(pruner.report(2, 1, 0.3)[0]).toMatchObject({ decision: 'continue' });
    // Six at the rung: the top 2 go on (0.3, 0.4).
    pruner.report(3, 1, 0.9);
    pruner.report(4, 1, 0.8);
    const decision = pruner.report(5, 1, 0.4)[0]!;
    expect(decision.decision).toBe('continue');
    expect(decision.detail).toContain('top 2 of 6');
    expect(pruner.report(6, 1, 0.45)[0]).toMatchObject({ decision: 'prune' });
    expect(pruner.report(6, 1, 0.45)[0]?.detail).toBeUndefined();
  });

  it('takes no decision between rungs, and judges a trial that skipped a rung at each rung it passed', () => {
    const pruner = new AshaPruner(1, 3, undefined, options);
    expect(pruner.report(0, 1, 1)).toHaveLength(1);
    expect(pruner.report(0, 2, 0.9)).toEqual([]);
    const skipped = pruner.report(1, 5, 0.2);
    expect(skipped.map((d) => d.detail.slice(0, 6))).toEqual(['rung 0', 'rung 1']);
  });

  it('says what it compared, in the metric\'s own terms when maximising', () => {
    const pruner = new AshaPruner(1, 2, undefined, { metric: 'accuracy', show: (loss) => -loss });
    pruner.report(0, 1, -0.9);
    const [decision] = pruner.report(1, 1, -0.6);
    expect(decision).toMatchObject({ decision: 'prune', value: 0.6 });
    expect(decision!.detail).toBe('rung 0 (step 1): accuracy 0.6 is outside the top 1 of 2 at this rung (cut-off 0.9, eta 2)');
  });
});

describe('median pruner', () => {
  it('waits for enough completed trials, then prunes a trial whose best so far is worse than their median at that step', () => {
    const pruner = new MedianPruner(2, options, 3);
    for (const [trial, scale] of [[0, 1], [1, 2], [2, 3]] as const) {
      for (let step = 1; step <= 4; step++) pruner.report(trial, step, scale / step);
    }
    // Before completion, nothing to compare with: continue, and say why.
    const early = pruner.report(3, 2, 5);
    expect(early[0]).toMatchObject({ decision: 'continue' });
    expect(early[0]!.detail).toContain('0 completed trial(s)');
    for (const trial of [0, 1, 2]) pruner.complete(trial);
    expect(pruner.report(3, 1, 0.1)).toEqual([]); // warm-up: below min_iter
    // Step 2: completed values 0.5, 1, 1.5 → median 1; best so far 0.1 ≤ 1.
    expect(pruner.report(3, 2, 9)[0]).toMatchObject({ decision: 'continue' });
    const bad = pruner.report(4, 2, 1.2)[0]!;
    expect(bad).toMatchObject({ decision: 'prune', step: 2, value: 1.2 });
    expect(bad.detail).toBe('step 2: best loss so far 1.2 is worse than the median 1 of 3 completed trials at this step');
  });
});
