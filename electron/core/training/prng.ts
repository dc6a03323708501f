/**
 * Seeded randomness for training. tfjs's own shuffling (model.fit) and unseeded initializers draw
 * from Math.random, which would make two runs with the same seed differ; everything random in a
 * training run (split, weight init, epoch order, dropout masks) comes from here instead.
 */

/** mulberry32: tiny, fast, and good enough for shuffling and seeding (not for cryptography). */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
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
    return new SeededRandom(this.nextUint32());
  }
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
