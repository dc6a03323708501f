import { CategoricalParzen, TruncatedParzen } from './parzen.js';
import type { Observation, Sampler } from './samplers.js';
import { sampleUniform, seededRandom, toInternal, toValue, trialSeed, type Domain, type TrialParams } from './search-space.js';

export interface TpeOptions {
  /** Trials drawn at random before the model is used (Optuna's n_startup_trials). */
  startupTrials: number;
  /** Candidates drawn from l(x) per parameter; the one maximising l(x)/g(x) wins. */
  candidates: number;
  /** Fraction of observations counted as good. */
  gamma: number;
  /** Never more good observations than this (Optuna caps at 25 too). */
  maxGood: number;
}

const DEFAULTS: TpeOptions = { startupTrials: 10, candidates: 24, gamma: 0.1, maxGood: 25 };

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), independent per parameter as in
 * hyperopt and Optuna's default: observations are split at the gamma quantile of the loss into
 * good and bad, a Parzen density is fitted to each (l for good, g for bad), and the candidate drawn
 * from l with the largest l(x)/g(x) is proposed. Numeric parameters are modelled in internal space
 * (log space for log-uniform); categorical ones by smoothed counts. Every draw for trial n comes
 * from a generator seeded by (seed, n), so a sweep is reproducible given the same observations.
 */
export class TpeSampler implements Sampler {
  readonly size = null;
  private readonly options: TpeOptions;

  constructor(
    private readonly domains: readonly Domain[],
    private readonly seed: number,
    options: Partial<TpeOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  next(number: number, history: readonly Observation[]): TrialParams {
    const random = seededRandom(trialSeed(this.seed, number));
    const observed = history.filter((entry): entry is Observation & { loss: number } => entry.loss !== null && Number.isFinite(entry.loss));
    if (observed.length < Math.max(2, this.options.startupTrials)) {
      return Object.fromEntries(this.domains.map((domain) => [domain.name, sampleUniform(domain, random)]));
    }
    const sorted = [...observed].sort((a, b) => a.loss - b.loss);
    const goodCount = Math.min(this.options.maxGood, Math.max(1, Math.ceil(this.options.gamma * sorted.length)));
    const good = sorted.slice(0, goodCount);
    const bad = sorted.slice(goodCount);
    return Object.fromEntries(this.domains.map((domain) => [domain.name, this.proposeOne(domain, good, bad, random)]));
  }

  private proposeOne(domain: Domain, good: Observation[], bad: Observation[], random: () => number): string | number | boolean {
    if (domain.kind === 'categorical') {
      const indexOf = (entry: Observation) => domain.values.findIndex((value) => String(value) === String(entry.params[domain.name]));
      const l = new CategoricalParzen(good.map(indexOf).filter((index) => index >= 0), domain.values.length);
      const g = new CategoricalParzen(bad.map(indexOf).filter((index) => index >= 0), domain.values.length);
      return domain.values[this.best(() => l.sample(random), (index) => l.logDensity(index) - g.logDensity(index))]!;
    }
    const internal = (entries: Observation[]) =>
      entries.map((entry) => (entry.params[domain.name] === undefined ? null : toInternal(domain, entry.params[domain.name]!))).filter((x): x is number => x !== null);
    const l = new TruncatedParzen(internal(good), domain.low, domain.high);
    const g = new TruncatedParzen(internal(bad), domain.low, domain.high);
    return toValue(domain, this.best(() => l.sample(random), (x) => l.logDensity(x) - g.logDensity(x)));
  }

  private best<T>(draw: () => T, score: (candidate: T) => number): T {
    let best = draw();
    let bestScore = score(best);
    for (let index = 1; index < this.options.candidates; index++) {
      const candidate = draw();
      const candidateScore = score(candidate);
      if (candidateScore > bestScore) {
        best = candidate;
        bestScore = candidateScore;
      }
    }
    return best;
  }
}
