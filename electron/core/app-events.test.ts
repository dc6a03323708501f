import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../shared/app-api/events.js';
import type { TrainingJob } from '../../shared/app-api/training.js';
import { AppEventBus } from './app-events.js';

function job(runId: string, phase: TrainingJob['progress']['phase'], epoch: number): TrainingJob {
  return {
    runId,
    experimentId: '1',
    runName: `run ${runId}`,
    dataset: 'iris',
    startedAt: 1,
    progress: { phase, epoch, epochs: 10, batch: 0, batches: 4, elapsedMs: epoch * 100, etaMs: null, metrics: { loss: 1 / (epoch + 1) } },
  };
}

describe('AppEventBus coalescing', () => {
  let bus: AppEventBus;
  let received: AppEvent[];

  beforeEach(() => {
    vi.useFakeTimers();
    bus = new AppEventBus(100);
    received = [];
    bus.subscribe((event) => received.push(event));
  });
  afterEach(() => {
    bus.close();
    vi.useRealTimers();
  });

  it("delivers a training job's last state, not the first of the window", () => {
    bus.emit('training.progress', job('r1', 'epoch', 8));
    bus.emit('training.progress', job('r1', 'epoch', 9));
    bus.emit('training.progress', job('r1', 'finished', 10));
    vi.advanceTimersByTime(100);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ type: 'training.progress', payload: { runId: 'r1', progress: { phase: 'finished', epoch: 10 } } });
  });

  it('never replaces a terminal phase with a progress report that raced it', () => {
    bus.emit('training.progress', job('r1', 'killed', 3));
    bus.emit('training.progress', job('r1', 'batch', 3));
    vi.advanceTimersByTime(100);
    expect(received.map((e) => e.type === 'training.progress' && e.payload.progress.phase)).toEqual(['killed']);
  });

  it('keeps the events of two models, two deployments and two jobs apart', () => {
    bus.emit('models.changed', { name: 'churn' });
    bus.emit('models.changed', { name: 'fraud' });
    bus.emit('deployments.changed', { id: 'd1', model: 'churn' });
    bus.emit('deployments.changed', { id: 'd2', model: 'fraud' });
    bus.emit('training.progress', job('r1', 'epoch', 1));
    bus.emit('training.progress', job('r2', 'finished', 5));
    bus.emit('models.changed', { name: 'churn' });
    vi.advanceTimersByTime(100);
    const names = received.map((e) => (e.type === 'models.changed' ? e.payload.name : e.type === 'deployments.changed' ? e.payload.id : e.type === 'training.progress' ? e.payload.runId : '?'));
    expect(names.sort()).toEqual(['churn', 'd1', 'd2', 'fraud', 'r1', 'r2']);
  });

  it('merges the metric keys of one run and keeps runs apart', () => {
    bus.emit('metrics.logged', { runId: 'a', experimentId: '1', keys: ['loss'] });
    bus.emit('metrics.logged', { runId: 'a', experimentId: '1', keys: ['acc', 'loss'] });
    bus.emit('metrics.logged', { runId: 'b', experimentId: '1', keys: ['f1'] });
    bus.emit('run.changed', { runId: 'a', experimentId: '1' });
    vi.advanceTimersByTime(100);
    expect(received).toEqual([
      { type: 'metrics.logged', payload: { runId: 'a', experimentId: '1', keys: ['loss', 'acc'] } },
      { type: 'metrics.logged', payload: { runId: 'b', experimentId: '1', keys: ['f1'] } },
      { type: 'run.changed', payload: { runId: 'a', experimentId: '1' } },
    ]);
  });

  it('does not let a later change to the emitted payload object leak into the event', () => {
    const payload = job('r1', 'epoch', 1);
    bus.emit('training.progress', payload);
    payload.progress.epoch = 99;
    vi.advanceTimersByTime(100);
    expect(received[0]).toMatchObject({ payload: { progress: { epoch: 1 } } });
  });

  it('coalesces per window: a second window delivers again', () => {
    bus.emit('experiments.changed', {});
    bus.emit('experiments.changed', {});
    vi.advanceTimersByTime(100);
    bus.emit('experiments.changed', {});
    vi.advanceTimersByTime(100);
    expect(received.map((e) => e.type)).toEqual(['experiments.changed', 'experiments.changed']);
  });
});
