import type { SweepSpec } from '../../../../shared/automation.js';
import { gridValues } from './sweep-spec.js';
import { domainsOf, sampleUniform, seededRandom, trialSeed, type ParamValue, type TrialParams } from './search-space.js';
import { TpeSampler } from './tpe.js';

/**
 * What a sampler knows of earlier trials: their parameters and objective value as a loss (smaller
 * is better: a maximised metric is negated), or null while running or when it reported nothing.
 */
export interface Observation {
  params: TrialParams;
  loss: number | null;
}

export interface Sampler {
  /** Parameters for trial `number` (0-based), or null when the search space is used up (grid). */
  next(number: number, history: readonly Observation[]): TrialParams | null;
  /** How many trials the sampler can give at most (grid size), or null when unbounded. */
  readonly size: number | null;
}

export class GridSampler implements Sampler {
  private readonly names: string[];
  private readonly axes: ParamValue[][];
  readonly size: number;

  constructor(spec: SweepSpec) {
    this.names = Object.keys(spec.parameters);
    this.axes = this.names.map((name) => gridValues(name, spec.parameters[name]!));
    this.size = this.axes.reduce((product, axis) => product * axis.length, 1);
  }

  next(number: number): TrialParams | null {
    if (number >= this.size) return null;
    // Mixed radix, last parameter fastest, as nested for-loops in the spec's order would go.
    const params: TrialParams = {};
    let rest = number;
    for (let index = this.names.length - 1; index >= 0; index--) {
      const axis = this.axes[index]!;
      params[this.names[index]!] = axis[rest % axis.length]!;
      rest = Math.floor(rest / axis.length);
    }
    return Object.fromEntries(this.names.map((name) => [name, params[name]!]));
  }
}

export class RandomSampler implements Sampler {
  readonly size = null;
  private readonly domains;

  constructor(
    spec: SweepSpec,
    private readonly seed: number,
  ) {
    this.domains = domainsOf(spec);
  }

  next(number: number): TrialParams {
    const random = seededRandom(trialSeed(this.seed, number));
    return Object.fromEntries(this.domains.map((domain) => [domain.name, sampleUniform(domain, random)]));
  }
}

export function createSampler(spec: SweepSpec, seed = spec.seed ?? 0): Sampler {
  switch (spec.method) {
    case 'grid':
      return new GridSampler(spec);
    case 'random':
      return new RandomSampler(spec, seed);
    case 'tpe':
      return new TpeSampler(domainsOf(spec), seed);
  }
}
