/**
 * A small seeded generator for synthetic data: sfc32 (Chris Doty-Humphrey's Small Fast Counting
 * generator, 128-bit state), seeded through splitmix32 so nearby seeds give unrelated streams.
 * Math.random cannot be seeded, and datasets must be reproducible from (seed, options) alone.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    const splitmix = () => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
    // The first outputs of a fresh sfc32 state are poorly mixed.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  /** Standard normal by Box-Muller; always consumes exactly two uniforms. */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
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
