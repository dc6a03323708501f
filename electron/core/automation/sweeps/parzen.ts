/** Parzen (kernel density) estimators over one parameter, as the TPE uses them. */

// Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, plenty for ranking candidates.
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}

const normalCdf = (z: number): number => 0.5 * (1 + erf(z / Math.SQRT2));

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * A mixture of Gaussians truncated to [low, high], one per observation plus a prior one spanning
 * the whole range (so no region ever gets density zero). Bandwidths follow hyperopt's adaptive
 * Parzen estimator: each kernel is as wide as the larger gap to its sorted neighbours, clipped to
 * [range / min(100, n + 1), range].
 */
export class TruncatedParzen {
  private readonly mus: number[];
  private readonly sigmas: number[];
  private readonly masses: number[];
  private weights: number[];

  constructor(
    points: readonly number[],
    private readonly low: number,
    private readonly high: number,
    priorWeight = 1,
  ) {
    const range = high - low;
    const prior = (low + high) / 2;
    const sorted = [...points, prior].sort((a, b) => a - b);
    const minSigma = range / Math.min(100, sorted.length);
    this.mus = sorted;
    this.sigmas = sorted.map((mu, index) => {
      const left = index > 0 ? mu - sorted[index - 1]! : range;
      const right = index < sorted.length - 1 ? sorted[index + 1]! - mu : range;
      const gap = index === 0 ? right : index === sorted.length - 1 ? left : Math.max(left, right);
      return Math.min(range, Math.max(minSigma, gap));
    });
    // The prior kernel spans the range; its weight can differ from the observations'.
    const priorIndex = sorted.indexOf(prior);
    this.sigmas[priorIndex] = range;
    this.weights = sorted.map((_, index) => (index === priorIndex ? priorWeight : 1));
    const total = this.weights.reduce((sum, weight) => sum + weight, 0);
    this.weights = this.weights.map((weight) => weight / total);
    this.masses = this.mus.map((mu, index) => {
      const sigma = this.sigmas[index]!;
      return Math.max(1e-12, normalCdf((high - mu) / sigma) - normalCdf((low - mu) / sigma));
    });
  }

  sample(random: () => number): number {
    let pick = random();
    let index = 0;
    while (index < this.weights.length - 1 && pick >= this.weights[index]!) {
      pick -= this.weights[index]!;
      index++;
    }
    const mu = this.mus[index]!;
    const sigma = this.sigmas[index]!;
    for (let attempt = 0; attempt < 100; attempt++) {
      const x = mu + sigma * gaussian(random);
      if (x >= this.low && x <= this.high) return x;
    }
    return Math.min(this.high, Math.max(this.low, mu));
  }

  logDensity(x: number): number {
    let density = 0;
    for (let index = 0; index < this.mus.length; index++) {
      const sigma = this.sigmas[index]!;
      const z = (x - this.mus[index]!) / sigma;
      density += (this.weights[index]! * Math.exp(-0.5 * z * z)) / (sigma * Math.sqrt(2 * Math.PI) * this.masses[index]!);
    }
    return Math.log(Math.max(density, 1e-300));
  }
}

/** A categorical estimator: observed counts plus a prior spread evenly over the choices. */
export class CategoricalParzen {
  private readonly probabilities: number[];

  constructor(indices: readonly number[], choices: number, priorWeight = 1) {
    const counts = new Array<number>(choices).fill(priorWeight / choices);
    for (const index of indices) counts[index] = (counts[index] ?? 0) + 1;
    const total = counts.reduce((sum, count) => sum + count, 0);
    this.probabilities = counts.map((count) => count / total);
  }

  sample(random: () => number): number {
    let pick = random();
    for (let index = 0; index < this.probabilities.length; index++) {
      pick -= this.probabilities[index]!;
      if (pick < 0) return index;
    }
    return this.probabilities.length - 1;
  }

  logDensity(index: number): number {
    return Math.log(this.probabilities[index] ?? 1e-300);
  }
}
