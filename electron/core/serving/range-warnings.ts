/**
 * Inputs outside the range a model saw in training are scored (the signature check lets them
 * through: extrapolation is not an error) but marked, so a caller and the prediction log can tell
 * a confident answer from a guess far off the training data.
 */
import type { ModelSignature } from '../training/model-files.js';
import type { Row } from './request-rows.js';

export interface RangeWarning {
  feature: string;
  value: number;
  /** The range of the feature in the training data. */
  min: number;
  max: number;
  message: string;
}

type Ranged = { name: string; min: number; max: number };

const rangedBySignature = new WeakMap<ModelSignature, Ranged[]>();

/** The numeric inputs with a recorded range; versions trained before ranges were recorded have none, and get no warnings. */
function rangedInputs(signature: ModelSignature): Ranged[] {
  let ranged = rangedBySignature.get(signature);
  if (!ranged) {
    ranged = signature.inputs.flatMap((input) =>
      input.range && Number.isFinite(input.range.min) && Number.isFinite(input.range.max) ? [{ name: input.name, min: input.range.min, max: input.range.max }] : [],
    );
    rangedBySignature.set(signature, ranged);
  }
  return ranged;
}

/** Per row, the features outside their training range (undefined for a row without any); null when no row has one. */
export function rangeWarnings(signature: ModelSignature, rows: Row[]): (RangeWarning[] | undefined)[] | null {
  const ranged = rangedInputs(signature);
  if (ranged.length === 0) return null;
  let out: (RangeWarning[] | undefined)[] | null = null;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (const { name, min, max } of ranged) {
      const value = row[name];
      if (typeof value !== 'number' || (value >= min && value <= max)) continue;
      out ??= new Array<RangeWarning[] | undefined>(rows.length);
      (out[r] ??= []).push({ feature: name, value, min, max, message: `${name}=${value} is outside the range seen in training (${min} to ${max}); the prediction is an extrapolation.` });
    }
  }
  return out;
}
