/**
 * The field separator of a delimited text file, guessed from its first lines: spreadsheets in
 * locales whose decimal mark is a comma save "CSV" with `;`, and database exports often use tabs.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export type Delimiter = ',' | ';' | '\t' | '|';

const CANDIDATES: readonly Delimiter[] = [',', ';', '\t', '|'];
const SAMPLE_BYTES = 64 * 1024;
const SAMPLE_LINES = 20;

export const DELIMITER_NAMES: Record<Delimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

/** Occurrences of `delimiter` outside double quotes in one line. */
function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === delimiter) count++;
  }
  return count;
}

/**
 * The candidate that splits the header into the most fields and every sampled line into the same
 * number of fields. A comma wins any tie, so a file that is plain CSV is always read as one.
 */
export function sniffDelimiter(sample: string): Delimiter {
  const lines = sample
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    // The last line of a sample may be cut in the middle.
    .slice(0, SAMPLE_LINES + 1)
    .filter((line, index, all) => line.trim() !== '' && (index < all.length - 1 || all.length === 1));
  if (lines.length === 0) return ',';
  let best: Delimiter = ',';
  let bestFields = 0;
  for (const candidate of CANDIDATES) {
    const counts = lines.map((line) => countOutsideQuotes(line, candidate));
    const header = counts[0]!;
    if (header === 0 || !counts.every((count) => count === header)) continue;
    if (header > bestFields) {
      best = candidate;
      bestFields = header;
    }
  }
  // With no consistent candidate, the one the header holds most often still names the file's likely separator.
  if (bestFields === 0) {
    let most = 0;
    for (const candidate of CANDIDATES) {
      const count = countOutsideQuotes(lines[0]!, candidate);
      if (count > most && candidate !== ',') {
        best = candidate;
        most = count;
      }
    }
    if (countOutsideQuotes(lines[0]!, ',') >= most) best = ',';
  }
  return best;
}

/** The first bytes of a file, decoded as UTF-8, for sniffing; '' when it cannot be read (the read that follows reports why). */
export function readSample(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
