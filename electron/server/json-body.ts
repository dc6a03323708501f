import { invalidParameter } from '../core/errors.js';

const NON_FINITE = /\b(NaN|-?Infinity)\b/;

/**
 * Parses a JSON request body. Python's json module (and so many MLflow clients) writes NaN and
 * ±Infinity as bare tokens, which JSON.parse rejects; those tokens outside strings are turned into
 * their string spelling, which the metric parser then reads back as numbers.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    if (NON_FINITE.test(text)) {
      const quoted = quoteBareNonFinite(text);
      try {
        return JSON.parse(quoted);
      } catch {
        // report the original error below
      }
    }
    throw invalidParameter(`Malformed JSON in request body: ${(error as Error).message}.`);
  }
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
