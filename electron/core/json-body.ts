import { invalidParameter } from './errors.js';

/** Deepest nesting of arrays and objects a request body may have. MLflow and scoring payloads need a handful. */
export const MAX_JSON_DEPTH = 100;

const NON_FINITE = /\b(NaN|-?Infinity)\b/;

export interface JsonBodyOptions {
  /** What an empty (or all-blank) body means: `{}` for MLflow clients, which post nothing to some endpoints. */
  empty?: 'object' | 'error';
  /**
   * Python's json module (and so many MLflow clients) writes NaN and ±Infinity as bare tokens,
   * which JSON.parse rejects. 'strings' turns such tokens outside strings into their string
   * spelling, which the metric parser reads back as numbers.
   */
  nonFinite?: 'strings' | 'reject';
}

/**
 * Parses a JSON request body: the one parser of the tracking server and the model server. Malformed
 * JSON and nesting deeper than MAX_JSON_DEPTH are INVALID_PARAMETER_VALUE (400). Depth is checked on
 * the text before parsing: JSON.parse itself copes with deep nesting but slowly (about a second per
 * million levels), and every later recursive walk (validation, JSON.stringify in error messages)
 * would overflow the stack.
 */
export function parseJsonBody(text: string, options: JsonBodyOptions = {}): unknown {
  if (text.trim() === '') {
    if (options.empty === 'error') throw invalidParameter('The request body is empty: send a JSON object.');
    return {};
  }
  const depth = nestingBeyond(text, MAX_JSON_DEPTH);
  if (depth > 0) {
    throw invalidParameter(`The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep (the limit is ${MAX_JSON_DEPTH}).`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (options.nonFinite === 'strings' && NON_FINITE.test(text)) {
      try {
        return JSON.parse(quoteBareNonFinite(text)) as unknown;
      } catch {
        // report the original error below
      }
    }
    throw invalidParameter(`The request body is not valid JSON: ${(error as Error).message}.`);
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_ARRAY = 91;
const OPEN_OBJECT = 123;
const CLOSE_ARRAY = 93;
const CLOSE_OBJECT = 125;

/** The depth reached once it passes `limit`, else 0. Brackets inside strings do not count. */
export function nestingBeyond(text: string, limit: number): number {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return depth;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return 0;
}

function quoteBareNonFinite(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += text[i + 1] ?? '';
        i++;
      } else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    const rest = text.slice(i, i + 9);
    const token = rest.startsWith('NaN') ? 'NaN' : rest.startsWith('-Infinity') ? '-Infinity' : rest.startsWith('Infinity') ? 'Infinity' : null;
    if (token) {
      out += `"${token}"`;
      i += token.length - 1;
    } else out += ch;
  }
  return out;
}
