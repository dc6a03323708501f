/**
 * Seeded randomness for training. tfjs's own shuffling (model.fit) and unseeded initializers draw
 * from Math.random, which would make two runs with the same seed differ; everything random in a
 * training run (split, weight init, epoch order, dropout masks) comes from here instead, and so
 * does every draw of the synthetic datasets (core/data/synthetic.ts).
 */

/** A stream of 32-bit unsigned integers. */
type Words = () => number;

/** mulberry32: tiny, fast, and good enough for shuffling and seeding (not for cryptography). */
function mulberry32(seed: number): Words {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state), seeded through
 * splitmix32 so nearby seeds give unrelated streams. Synthetic datasets draw from it: they must be
 * reproducible from (seed, options) alone, so it stays beside mulberry32 rather than replacing it.
 */
function sfc32(seed: number): Words {
  let state = seed >>> 0;
  const splitmix = () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // The first outputs of a fresh sfc32 state are poorly mixed.
  for (let i = 0; i < 12; i++) next();
  return next;
}

export type PrngAlgorithm = 'mulberry32' | 'sfc32';

/** Seeded random numbers; the algorithm is part of what a seed reproduces, so callers keep theirs. */
export class SeededRandom {
  private readonly words: Words;

  constructor(
    seed: number,
    private readonly algorithm: PrngAlgorithm = 'mulberry32',
  ) {
    this.words = algorithm === 'sfc32' ? sfc32(seed) : mulberry32(seed);
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    return this.words();
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal by Box-Muller; always consumes exactly two uniforms. */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates in place; returns the same array. */
  shuffle<T>(items: T[] | Int32Array): typeof items {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** A child generator: independent streams (split, init, epochs, dropout) from one seed. */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32(), this.algorithm);
  }
}

/**
 * Poisson(lambda) by inverting the CDF with one given uniform. One uniform per draw (unlike
 * Knuth's method) keeps every row's draws aligned across drift settings of the same seed.
 */
export function poissonFromUniform(lambda: number, u: number): number {
  let k = 0;
  let p = Math.exp(-lambda);
  let cumulative = p;
  while (u > cumulative && k < 1000) {
    k += 1;
    p *= lambda / k;
    cumulative += p;
  }
  return k;
}

/** Index into `weights` (summing to ~1) picked by the uniform `u`. */
export function pickWeighted(weights: readonly number[], u: number): number {
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i]!;
    if (u < cumulative) return i;
  }
  return weights.length - 1;
}

/** Seeds that run and CLI accept: non-negative integers that fit in 32 bits. */
export const MAX_SEED = 4294967295;

/** A fresh seed for runs that did not ask for one; it is logged, so the run can be reproduced. */
export function randomSeed(): number {
  return Math.floor(Math.random() * MAX_SEED);
}

/**
 * Shuffled row indices 0..n-1 split into training and validation parts. For classification the
 * split is stratified by label so every class that has at least two rows shows up in validation.
 */
export function splitIndices(n: number, validationFraction: number, random: SeededRandom, strata?: ArrayLike<number>): { train: Int32Array; validation: Int32Array } {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = strata ? strata[i]! : 0;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(i);
  }
  const train: number[] = [];
  const validation: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const group = random.shuffle(groups.get(key)!) as number[];
    let take = Math.round(group.length * validationFraction);
    if (validationFraction > 0 && take === 0 && group.length >= 2) take = 1;
    if (take >= group.length) take = group.length - 1;
    validation.push(...group.slice(0, take));
    train.push(...group.slice(take));
  }
  // Shuffled once more so the classes are not in blocks (validation metrics do not care, but a
  // reader of the indices would be misled).
  return { train: random.shuffle(Int32Array.from(train)) as Int32Array, validation: random.shuffle(Int32Array.from(validation)) as Int32Array };
}
