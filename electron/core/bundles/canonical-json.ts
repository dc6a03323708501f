/**
 * Canonical JSON for what is signed (RFC 8785's rules for the values MLDesk writes): object keys
 * sorted by UTF-16 code units, no whitespace, numbers as JavaScript prints them, strings as
 * JSON.stringify escapes them. `undefined` members are dropped as JSON.stringify drops them;
 * non-finite numbers are refused since JSON cannot carry them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonical JSON cannot carry the number ${value}`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
      const keys = Object.keys(value as object)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    default:
      throw new Error(`canonical JSON cannot carry a ${typeof value}`);
  }
}
