/**
 * One row of predictions made elsewhere (a CSV line, a JSON line, an item of a REST body), checked
 * against the model version's signature and turned into the prediction log's own row, so every
 * reader (log page, exports, quality, monitoring) sees it as it sees a served prediction. A row is
 * flat: the features by name (`input.NAME` when a feature's name is one of the reserved ones),
 * `prediction`, and optional `probability.CLASS`, `id`, `time`, `label` (ground truth) and
 * `label_time`. Problems name the field; the caller adds the line or index.
 */
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { ModelSignature } from '../training/model-files.js';
import { rowEncoder, type RowEncoder } from './prediction-journal.js';
import { checkRow, RowFieldError } from './request-rows.js';
import { predictionEncoder } from './scoring-batcher.js';

/** The model version imported rows belong to, with what its rows are checked against. */
export interface ImportVersion {
  name: string;
  version: number;
  runId: string | null;
  signature: ModelSignature;
}

/** The endpoint imported rows are logged with, so they can be told from served ones. */
export const IMPORT_ENDPOINT = 'import';

/** A field of one row that does not fit; the caller says which row. */
export class ImportFieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`field '${field}': ${problem}`);
  }
}

type Role =
  | { kind: 'feature'; name: string }
  | { kind: 'id' | 'time' | 'prediction' | 'label' | 'labelTime' | 'probabilities' | 'ignored' }
  | { kind: 'probability'; cls: string };

const RESERVED: Record<string, Role['kind']> = {
  id: 'id',
  request_id: 'id',
  time: 'time',
  timestamp: 'time',
  prediction: 'prediction',
  predicted: 'prediction',
  label: 'label',
  actual: 'label',
  label_time: 'labelTime',
  feedback_time: 'labelTime',
  probabilities: 'probabilities',
};

const describe = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value));
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
/** A day ahead at most: a clock a little off is fine, a typo in the year is not. */
const FUTURE_SLACK_MS = 86_400_000;
const MAX_ID_LENGTH = 200;
/** Probabilities written with a few decimals still sum to 1 within this. */
const PROBABILITY_SUM_TOLERANCE = 0.01;

/** Checks and encodes the rows of one import: one per model version and import run. */
export class ImportRowChecker {
  private readonly features: Set<string>;
  private readonly ignored: Set<string>;
  private readonly classes: string[] | undefined;
  private readonly roles = new Map<string, Role | Error>();
  private readonly encodeRow: RowEncoder;
  private readonly encodeOutput;
  private readonly idSeed: string;

  constructor(
    readonly version: ImportVersion,
    private readonly now = Date.now(),
  ) {
    const { signature } = version;
    this.features = new Set(signature.inputs.map((input) => input.name));
    this.ignored = new Set(signature.ignoredColumns);
    this.classes = signature.output.task === 'classification' ? (signature.output.classes ?? []) : undefined;
    this.encodeRow = rowEncoder(version.name, version.version, version.runId);
    this.encodeOutput = predictionEncoder(this.classes);
    this.idSeed = `${version.name}\n${version.version}\n`;
  }

  /** What a column (CSV) or key (JSON) holds; an Error for a name that is no part of a row. */
  roleOf(name: string): Role | Error {
    let role = this.roles.get(name);
    if (role === undefined) this.roles.set(name, (role = this.resolveRole(name)));
    return role;
  }

  private resolveRole(name: string): Role | Error {
    if (name.startsWith('input.')) {
      const feature = name.slice('input.'.length);
      return this.features.has(feature) ? { kind: 'feature', name: feature } : new ImportFieldError(name, `unknown feature '${feature}' (the model takes ${this.featureList()})`);
    }
    if (name.startsWith('probability.')) {
      const cls = name.slice('probability.'.length);
      if (!this.classes) return new ImportFieldError(name, `model ${this.version.name} is a regressor: it has no class probabilities`);
      return this.classes.includes(cls) ? { kind: 'probability', cls } : new ImportFieldError(name, `unknown class '${cls}' (the model's classes are ${this.classList()})`);
    }
    const reserved = RESERVED[name];
    if (reserved && this.features.has(name)) {
      const others = Object.keys(RESERVED).filter((key) => key !== name && RESERVED[key] === reserved && !this.features.has(key));
      const alias = others.length ? ` and the ${reserved === 'labelTime' ? 'label time' : reserved} '${others[0]}'` : '';
      return new ImportFieldError(name, `'${name}' is both a feature of the model and a reserved column; name the feature 'input.${name}'${alias}`);
    }
    if (reserved) return { kind: reserved } as Role;
    if (this.features.has(name)) return { kind: 'feature', name };
    // The target column of the training data is the ground truth, as in a labelled dataset.
    if (name === this.version.signature.output.name) return { kind: 'label' };
    if (this.ignored.has(name)) return { kind: 'ignored' };
    return new ImportFieldError(name, `unknown column (expected the model's features ${this.featureList()}, 'prediction', and optionally 'id', 'time', 'label', 'label_time'${this.classes ? ", 'probability.CLASS'" : ''})`);
  }

  private featureList(): string {
    return this.version.signature.inputs.map((input) => `'${input.name}'`).join(', ');
  }

  private classList(): string {
    return (this.classes ?? []).map((c) => JSON.stringify(c)).join(', ');
  }

  /**
   * Checks a CSV header: every name must have a role, no role twice, every feature and the
   * prediction present. Returns the role of each column.
   */
  csvColumns(header: string[]): Role[] {
    const roles = header.map((name) => {
      const role = this.roleOf(name.trim());
      if (role instanceof Error) throw role;
      return role;
    });
    const seen = new Map<string, string>();
    roles.forEach((role, i) => {
      if (role.kind === 'ignored') return;
      const key = role.kind === 'feature' ? `feature:${role.name}` : role.kind === 'probability' ? `probability:${role.cls}` : role.kind;
      const earlier = seen.get(key);
      if (earlier !== undefined) throw new ImportFieldError(header[i]!, `says the same as column '${earlier}'; keep one of them`);
      seen.set(key, header[i]!);
    });
    if (roles.some((role) => role.kind === 'probabilities')) throw new ImportFieldError('probabilities', "a CSV gives probabilities as one column per class, 'probability.CLASS'");
    const missing = this.version.signature.inputs.filter((input) => !seen.has(`feature:${input.name}`)).map((input) => `'${input.name}'`);
    if (missing.length) throw new ImportFieldError(missing[0]!.slice(1, -1), `missing column: the header must name every feature of the model (missing ${missing.join(', ')})`);
    if (!seen.has('prediction')) throw new ImportFieldError('prediction', "missing column: the header must have a 'prediction' column");
    return roles;
  }

  /** A CSV record (cells as text, aligned with the header's roles) as one encoded log row. */
  csvRecord(roles: Role[], cells: string[], position: number): string {
    const row: RowParts = { features: {} };
    for (let i = 0; i < roles.length; i++) place(row, roles[i]!, cells[i]!, true);
    return this.encode(row, position, true);
  }

  /** A JSON object (a JSON line or an item of a REST body) as one encoded log row. */
  jsonRecord(record: unknown, position: number): string {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new ImportFieldError('row', `expected a JSON object ({"feature": value, ..., "prediction": ...}), got ${describe(record)}`);
    }
    const row: RowParts = { features: {} };
    const given = new Set<string>();
    for (const [key, value] of Object.entries(record)) {
      const role = this.roleOf(key);
      if (role instanceof Error) throw role;
      const id = role.kind === 'feature' ? `feature:${role.name}` : role.kind === 'probability' ? `probability:${role.cls}` : role.kind;
      if (given.has(id) && role.kind !== 'ignored') throw new ImportFieldError(key, 'given twice (under two names)');
      given.add(id);
      place(row, role, value, false);
    }
    return this.encode(row, position, false);
  }

  private encode(row: RowParts, position: number, fromText: boolean): string {
    let inputs;
    try {
      inputs = checkRow(this.version.signature, row.features, position, fromText);
    } catch (error) {
      if (error instanceof RowFieldError) throw new ImportFieldError(error.field, error.problem);
      throw error;
    }
    const inputsJson = JSON.stringify(inputs);
    const { outputJson, label, value } = this.output(row, fromText);
    const time = this.time(row.time, 'time', fromText) ?? this.now;
    const truth = this.truth(row.label, fromText);
    const givenLabelTime = truth === null ? null : this.time(row.labelTime, 'label_time', fromText);
    if (givenLabelTime !== null && givenLabelTime < time) throw new ImportFieldError('label_time', "is before the prediction's time: ground truth comes after the prediction");
    const labelTime = truth === null ? null : (givenLabelTime ?? this.now);
    const truthJson = truth === null ? '' : JSON.stringify(truth);
    const id = this.id(row.id) ?? this.derivedId(time, position, inputsJson, outputJson, truthJson);
    return `${this.encodeRow(id, inputsJson, outputJson, label, value, 0, IMPORT_ENDPOINT, time)}\t${truthJson}\t${labelTime ?? ''}\t${position}`;
  }

  private output(row: RowParts, fromText: boolean): { outputJson: string; label: string | null; value: number | null } {
    let prediction = row.prediction;
    let probabilities = row.probabilities;
    // The model server's own answer ({"label", "probabilities"} or {"value"}) may be sent as it is.
    if (!fromText && typeof prediction === 'object' && prediction !== null && !Array.isArray(prediction)) {
      const answer = prediction as Record<string, unknown>;
      prediction = answer.label ?? answer.value;
      if (answer.probabilities !== undefined) {
        if (probabilities !== undefined) throw new ImportFieldError('probabilities', 'given both beside and inside the prediction');
        probabilities = answer.probabilities;
      }
    }
    if (prediction === undefined || prediction === null || (fromText && prediction === '')) throw new ImportFieldError('prediction', 'missing value: every row needs the prediction that was made');
    if (!this.classes) {
      const number = fromText && typeof prediction === 'string' ? Number(prediction) : prediction;
      if (typeof number !== 'number' || !Number.isFinite(number)) throw new ImportFieldError('prediction', `expected a finite number (model ${this.version.name} is a regressor), got ${describe(prediction)}`);
      if (probabilities !== undefined) throw new ImportFieldError('probabilities', `model ${this.version.name} is a regressor: it has no class probabilities`);
      return { outputJson: this.encodeOutput({ value: number }), label: null, value: null };
    }
    if (typeof prediction !== 'string' && typeof prediction !== 'number' && typeof prediction !== 'boolean') {
      throw new ImportFieldError('prediction', `expected one of the model's classes ${this.classList()}, got ${describe(prediction)}`);
    }
    const label = String(prediction);
    if (!this.classes.includes(label)) throw new ImportFieldError('prediction', `${describe(prediction)} is not one of the model's classes ${this.classList()}`);
    if (probabilities === undefined) return { outputJson: JSON.stringify({ label }), label, value: null };
    return { outputJson: this.encodeOutput({ label, probabilities: this.probabilities(probabilities, fromText) }), label, value: null };
  }

  /** The probabilities in the model's class order: every class, each in [0, 1], summing to 1. */
  private probabilities(given: unknown, fromText: boolean): number[] {
    if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new ImportFieldError('probabilities', `expected an object {class: probability}, got ${describe(given)}`);
    const byClass = given as Record<string, unknown>;
    for (const key of Object.keys(byClass)) {
      if (!this.classes!.includes(key)) throw new ImportFieldError(`probability.${key}`, `unknown class '${key}' (the model's classes are ${this.classList()})`);
    }
    const values = this.classes!.map((cls) => {
      const raw = byClass[cls];
      const field = `probability.${cls}`;
      if (raw === undefined || raw === null || raw === '') throw new ImportFieldError(field, 'missing: probabilities must be given for every class or for none');
      const p = fromText && typeof raw === 'string' ? Number(raw) : raw;
      if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) throw new ImportFieldError(field, `expected a probability from 0 to 1, got ${describe(raw)}`);
      return p;
    });
    const sum = values.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) throw new ImportFieldError(`probability.${this.classes![0]}`, `the class probabilities sum to ${Number(sum.toFixed(6))}, not 1`);
    return values;
  }

  private truth(given: unknown, fromText: boolean): string | number | null {
    if (given === undefined || given === null || (fromText && given === '')) return null;
    if (!this.classes) {
      const number = fromText && typeof given === 'string' ? Number(given) : given;
      if (typeof number !== 'number' || !Number.isFinite(number)) throw new ImportFieldError('label', `expected the true value as a finite number (model ${this.version.name} is a regressor), got ${describe(given)}`);
      return number;
    }
    if (typeof given !== 'string' && typeof given !== 'number' && typeof given !== 'boolean') throw new ImportFieldError('label', `expected one of the model's classes ${this.classList()}, got ${describe(given)}`);
    const label = String(given);
    if (!this.classes.includes(label)) throw new ImportFieldError('label', `${describe(given)} is not one of the model's classes ${this.classList()}`);
    return label;
  }

  /** ISO 8601 (UTC when it names no zone) or ms since the epoch; null when not given. */
  private time(given: unknown, field: string, fromText: boolean): number | null {
    if (given === undefined || given === null || (fromText && given === '')) return null;
    let ms: number;
    if (typeof given === 'number' || (fromText && typeof given === 'string' && /^\d+$/.test(given))) {
      ms = Number(given);
      if (!Number.isSafeInteger(ms) || ms < 0) throw new ImportFieldError(field, `expected ms since the epoch (a whole number) or an ISO 8601 time, got ${describe(given)}`);
    } else if (typeof given === 'string' && ISO_TIME.test(given.trim())) {
      const text = given.trim();
      const zoned = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(text) && text.length > 10;
      ms = Date.parse(zoned ? text : text.length === 10 ? `${text}T00:00:00Z` : `${text.replace(' ', 'T')}Z`);
      if (!Number.isFinite(ms)) throw new ImportFieldError(field, `not a real time: ${describe(given)}`);
    } else {
      throw new ImportFieldError(field, `expected an ISO 8601 time (2026-05-01T12:00:00Z) or ms since the epoch, got ${describe(given)}`);
    }
    if (ms > this.now + FUTURE_SLACK_MS) throw new ImportFieldError(field, `${describe(given)} is more than a day in the future`);
    return ms;
  }

  private id(given: unknown): string | null {
    if (given === undefined || given === null || given === '') return null;
    if (typeof given !== 'string' && typeof given !== 'number') throw new ImportFieldError('id', `expected a text request id, got ${describe(given)}`);
    const id = String(given);
    if (id.length > MAX_ID_LENGTH) throw new ImportFieldError('id', `longer than ${MAX_ID_LENGTH} characters`);
    // The log's row format separates columns with tabs and rows with newlines.
    if ([...id].some((char) => char < ' ' || char === '\u007f')) throw new ImportFieldError('id', 'holds a control character (tab, newline, ...)');
    return id;
  }

  /**
   * A UUIDv7 for a row without an id: the row's time in its first 48 bits, as the model server's
   * ids have, and bits from a hash of what the row says and where it stands, so importing the same
   * file again finds the same ids (and stores nothing twice) while two equal rows stay two rows.
   */
  private derivedId(time: number, position: number, inputsJson: string, outputJson: string, truthJson: string): string {
    const random = createHash('sha256').update(this.idSeed).update(`${position}\n${inputsJson}\n${outputJson}\n${truthJson}`).digest().subarray(0, 16);
    return uuidv7({ msecs: time, random });
  }
}

interface RowParts {
  features: Record<string, unknown>;
  prediction?: unknown;
  probabilities?: unknown;
  id?: unknown;
  time?: unknown;
  label?: unknown;
  labelTime?: unknown;
}

function place(row: RowParts, role: Role, value: unknown, fromText: boolean): void {
  switch (role.kind) {
    case 'feature':
      row.features[role.name] = value;
      return;
    case 'probability':
      if (fromText && value === '') return;
      ((row.probabilities ??= {}) as Record<string, unknown>)[role.cls] = value;
      return;
    case 'ignored':
      return;
    default:
      row[role.kind] = value;
  }
}

/** The values an encoded import row carries beyond the log row: its ground truth, when, and its line or index. */
export interface ImportLine {
  /** The log row as prediction-journal.ts encodes it. */
  logRow: string;
  truth: string | number | null;
  truthTime: number | null;
  position: number;
}

export function decodeImportLine(line: string): ImportLine {
  const third = line.lastIndexOf('\t');
  const second = line.lastIndexOf('\t', third - 1);
  const first = line.lastIndexOf('\t', second - 1);
  const truthJson = line.slice(first + 1, second);
  const truthTime = line.slice(second + 1, third);
  return {
    logRow: line.slice(0, first),
    truth: truthJson === '' ? null : (JSON.parse(truthJson) as string | number),
    truthTime: truthTime === '' ? null : Number(truthTime),
    position: Number(line.slice(third + 1)),
  };
}
