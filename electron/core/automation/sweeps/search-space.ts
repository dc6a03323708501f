import type { SweepParameter, SweepSpec } from '../../../../shared/automation.js';
import { SeededRandom } from '../../training/prng.js';

export type ParamValue = string | number | boolean;
export type TrialParams = Record<string, ParamValue>;

/**
 * One parameter's domain as the samplers see it. Numeric domains are sampled in "internal" space:
 * log(x) for log-uniform, so the TPE's Parzen windows and random draws are uniform over decades.
 */
export type Domain =
  | { name: string; kind: 'categorical'; values: ParamValue[] }
  | { name: string; kind: 'numeric'; low: number; high: number; log: boolean; round: 'none' | 'int' | number };

export function domainOf(name: string, parameter: SweepParameter): Domain {
  if ('values' in parameter) return { name, kind: 'categorical', values: parameter.values };
  if ('value' in parameter) return { name, kind: 'categorical', values: [parameter.value] };
  switch (parameter.distribution) {
    case 'log_uniform_values':
      return { name, kind: 'numeric', low: Math.log(parameter.min), high: Math.log(parameter.max), log: true, round: 'none' };
    case 'int_uniform':
      // Widened by half a step each side so the end values are as likely as the inner ones.
      return { name, kind: 'numeric', low: parameter.min - 0.5, high: parameter.max + 0.5, log: false, round: 'int' };
    case 'q_uniform':
      return { name, kind: 'numeric', low: parameter.min, high: parameter.max, log: false, round: parameter.q ?? 1 };
    default:
      return { name, kind: 'numeric', low: parameter.min, high: parameter.max, log: false, round: 'none' };
  }
}

export function domainsOf(spec: SweepSpec): Domain[] {
  return Object.entries(spec.parameters).map(([name, parameter]) => domainOf(name, parameter));
}

/** From internal space to the value handed to the trial. */
export function toValue(domain: Extract<Domain, { kind: 'numeric' }>, internal: number): number {
  const x = domain.log ? Math.exp(internal) : internal;
  if (domain.round === 'int') return Math.min(Math.round(domain.high - 0.5), Math.max(Math.round(domain.low + 0.5), Math.round(x)));
  if (typeof domain.round === 'number') {
    const q = domain.round;
    const snapped = Math.round((x - domain.low) / q) * q + domain.low;
    const clamped = Math.min(domain.high, Math.max(domain.low, snapped));
    return Number(clamped.toPrecision(12));
  }
  return Math.min(domain.log ? Math.exp(domain.high) : domain.high, Math.max(domain.log ? Math.exp(domain.low) : domain.low, x));
}

/** From a trial's value back to internal space (for the TPE's observations). */
export function toInternal(domain: Extract<Domain, { kind: 'numeric' }>, value: ParamValue): number | null {
  const x = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(x)) return null;
  if (domain.log) return x > 0 ? Math.log(x) : null;
  return x;
}

/** The training code's seeded generator (mulberry32): the same seed gives the same sweep. */
export function seededRandom(seed: number): () => number {
  const random = new SeededRandom(seed, 'mulberry32');
  return () => random.next();
}

/** Mixes a sweep's seed and a trial number into a seed, so trial n's draw does not depend on arrival order. */
export function trialSeed(seed: number, trial: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (trial + 0x85ebca6b), 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A draw from one domain, uniformly in internal space. */
export function sampleUniform(domain: Domain, random: () => number): ParamValue {
  if (domain.kind === 'categorical') return domain.values[Math.floor(random() * domain.values.length)] ?? domain.values[0]!;
  return toValue(domain, domain.low + random() * (domain.high - domain.low));
}
