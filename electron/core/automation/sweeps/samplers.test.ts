import { describe, expect, it } from 'vitest';
import { SweepSpecSchema, type SweepSpec } from '../../../../shared/automation.js';
import { createSampler, GridSampler, RandomSampler, type Observation } from './samplers.js';
import { domainsOf } from './search-space.js';
import { TpeSampler } from './tpe.js';

const spec = (parameters: SweepSpec['parameters'], method: SweepSpec['method'] = 'random'): SweepSpec =>
  SweepSpecSchema.parse({ project: '.', method, metric: { name: 'loss', goal: 'minimize' }, parameters });

describe('grid sampler', () => {
  it('walks every combination once, last parameter fastest, then stops', () => {
    const sampler = new GridSampler(spec({ a: { values: [1, 2] }, b: { values: ['x', 'y', 'z'] }, c: { value: true } }, 'grid'));
    expect(sampler.size).toBe(6);
    const all = Array.from({ length: 7 }, (_, n) => sampler.next(n));
    expect(all.slice(0, 3)).toEqual([
      { a: 1, b: 'x', c: true },
      { a: 1, b: 'y', c: true },
      { a: 1, b: 'z', c: true },
    ]);
    expect(new Set(all.slice(0, 6).map((params) => JSON.stringify(params))).size).toBe(6);
    expect(all[6]).toBeNull();
  });

  it('enumerates int_uniform and q_uniform ranges with clean numbers', () => {
    const sampler = new GridSampler(spec({ n: { distribution: 'int_uniform', min: 1, max: 3 }, q: { distribution: 'q_uniform', min: 0.1, max: 0.5, q: 0.1 } }, 'grid'));
    expect(sampler.size).toBe(15);
    expect(Array.from({ length: 5 }, (_, n) => sampler.next(n)?.q)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
  });
});

describe('random sampler', () => {
  const space = spec({ lr: { distribution: 'log_uniform_values', min: 1e-5, max: 1 }, layers: { distribution: 'int_uniform', min: 1, max: 4 }, opt: { values: ['sgd', 'adam'] } });

  it('is reproducible from its seed, whatever order trials are asked for', () => {
    const a = new RandomSampler(space, 42);
    const b = new RandomSampler(space, 42);
    const forward = [0, 1, 2, 3].map((n) => a.next(n));
    const backward = [3, 2, 1, 0].map((n) => b.next(n)).reverse();
    expect(backward).toEqual(forward);
    expect(new RandomSampler(space, 43).next(0)).not.toEqual(forward[0]);
  });

  it('draws log-uniform values uniformly over decades and ints over the whole range', () => {
    const sampler = new RandomSampler(space, 7);
    const draws = Array.from({ length: 2000 }, (_, n) => sampler.next(n));
    const lrs = draws.map((params) => params.lr as number);
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(1e-5);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1);
    // Half the decades lie below 10^-2.5 in log space; a linear draw would put ~0.3% there.
    const below = lrs.filter((lr) => lr < 10 ** -2.5).length / lrs.length;
    expect(below).toBeGreaterThan(0.45);
    expect(below).toBeLessThan(0.55);
    const layers = new Set(draws.map((params) => params.layers));
    expect([...layers].sort()).toEqual([1, 2, 3, 4]);
  });
});

/** Runs a sampler sequentially on an objective and answers the best loss found. */
function bestFound(sampler: { next(n: number, history: Observation[]): Record<string, string | number | boolean> | null }, objective: (params: Record<string, string | number | boolean>) => number, trials: number): number {
  const history: Observation[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sampler.next(n, history)!;
    history.push({ params, loss: objective(params) });
  }
  return Math.min(...history.map((entry) => entry.loss!));
}

describe('TPE sampler', () => {
  const space = spec(
    {
      x: { distribution: 'uniform', min: -5, max: 5 },
      y: { distribution: 'uniform', min: -5, max: 5 },
      lr: { distribution: 'log_uniform_values', min: 1e-6, max: 1 },
    },
    'tpe',
  );
  // Best at x=1.5, y=-2 and lr=1e-3, the last one a bowl in log space.
  const objective = (p: Record<string, string | number | boolean>) => ((p.x as number) - 1.5) ** 2 + ((p.y as number) + 2) ** 2 + (Math.log10(p.lr as number) + 3) ** 2;

  it('finds better optima than random search with the same budget, over 20 seeds', () => {
    const seeds = Array.from({ length: 20 }, (_, seed) => seed + 1);
    const tpe = seeds.map((seed) => bestFound(new TpeSampler(domainsOf(space), seed), objective, 60));
    const random = seeds.map((seed) => bestFound(new RandomSampler(space, seed), objective, 60));
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const wins = seeds.filter((_, index) => tpe[index]! < random[index]!).length;
    expect(mean(tpe)).toBeLessThan(mean(random) * 0.6);
    expect(wins).toBeGreaterThanOrEqual(16);
  });

  it('learns which category is good', () => {
    const categorical = spec({ x: { distribution: 'uniform', min: -5, max: 5 }, opt: { values: ['sgd', 'adam', 'rmsprop', 'adagrad'] } }, 'tpe');
    const cost: Record<string, number> = { adam: 0, sgd: 1, rmsprop: 2, adagrad: 3 };
    let adamLate = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const sampler = new TpeSampler(domainsOf(categorical), seed);
      const history: Observation[] = [];
      for (let n = 0; n < 50; n++) {
        const params = sampler.next(n, history);
        history.push({ params, loss: ((params.x as number) - 1.5) ** 2 + cost[params.opt as string]! });
      }
      adamLate += history.slice(25).filter((entry) => entry.params.opt === 'adam').length;
    }
    // Random search picks adam for a quarter of the late trials (about 62 of 250).
    expect(adamLate).toBeGreaterThan(100);
  });

  it('draws at random until it has enough observations, and reproducibly', () => {
    const a = new TpeSampler(domainsOf(space), 9);
    const b = createSampler({ ...space, seed: 9 });
    expect(a.next(0, [])).toEqual(b.next(0, []));
    expect(a.next(0, [])).toEqual(new RandomSampler(space, 9).next(0));
  });

  it('ignores trials without a value (running, failed)', () => {
    const sampler = new TpeSampler(domainsOf(space), 1, { startupTrials: 2 });
    const history: Observation[] = Array.from({ length: 20 }, (_, n) => ({ params: new RandomSampler(space, 5).next(n), loss: null }));
    expect(sampler.next(20, history)).toEqual(new RandomSampler(space, 1).next(20));
  });
});
