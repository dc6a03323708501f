import { describe, expect, it } from 'vitest';
import type { TrainingJob } from '../../../../shared/app-api/training';
import { formatSpan, jobFraction, liveTimes, orderedMetrics } from './job-progress';
import { furtherAlong } from './training-jobs-store';

function job(progress: Partial<TrainingJob['progress']>): TrainingJob {
  return {
    runId: 'r1', experimentId: '1', runName: 'brave-bear-1', dataset: 'iris', startedAt: 0,
    progress: { phase: 'epoch', epoch: 0, epochs: 10, batch: 0, batches: 0, elapsedMs: 0, etaMs: null, metrics: {}, ...progress },
  };
}

describe('jobFraction', () => {
  it('counts completed epochs, and batches within the epoch under way', () => {
    expect(jobFraction(job({ phase: 'epoch', epoch: 4 }))).toBeCloseTo(0.4);
    expect(jobFraction(job({ phase: 'batch', epoch: 5, batch: 2, batches: 4 }))).toBeCloseTo(0.45);
    expect(jobFraction(job({ phase: 'starting' }))).toBe(0);
  });

  it('is full when early stopping finished the job before its last epoch', () => {
    expect(jobFraction(job({ phase: 'finished', epoch: 6 }))).toBe(1);
    expect(jobFraction(job({ phase: 'killed', epoch: 6 }))).toBeCloseTo(0.6);
  });
});

describe('liveTimes', () => {
  it('counts on from the last event while training, and stops when the job ends', () => {
    expect(liveTimes(job({ elapsedMs: 2000, etaMs: 3000 }), 10_000, 11_000)).toEqual({ elapsedMs: 3000, etaMs: 2000 });
    expect(liveTimes(job({ elapsedMs: 2000, etaMs: 500 }), 10_000, 12_000)).toEqual({ elapsedMs: 4000, etaMs: 0 });
    expect(liveTimes(job({ phase: 'killed', elapsedMs: 2000, etaMs: null }), 10_000, 60_000)).toEqual({ elapsedMs: 2000, etaMs: null });
  });
});

describe('furtherAlong', () => {
  it('never lets a late answer rewind a job', () => {
    const later = job({ epoch: 5, elapsedMs: 500 });
    expect(furtherAlong(later, job({ epoch: 3, elapsedMs: 300 }))).toBe(false);
    expect(furtherAlong(later, job({ phase: 'killed', epoch: 3, elapsedMs: 300 }))).toBe(true);
    expect(furtherAlong(job({ phase: 'finished' }), later)).toBe(false);
  });
});

describe('formatSpan and orderedMetrics', () => {
  it('formats spans compactly and puts loss first', () => {
    expect([formatSpan(3210), formatSpan(65_000), formatSpan(3_725_000)]).toEqual(['3.2s', '1m 05s', '1h 02m']);
    expect(orderedMetrics({ val_f1: 1, accuracy: 1, loss: 1, zeta: 1, val_loss: 1 }).map(([k]) => k)).toEqual(['loss', 'val_loss', 'val_f1', 'accuracy', 'zeta']);
  });
});
