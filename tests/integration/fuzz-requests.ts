/**
 * Malformed requests for the fuzz test (fuzz.test.ts), drawn from one seeded generator so a failure
 * can be replayed from its seed: truncated JSON, invalid UTF-8, wrong types, 600 kB strings,
 * 1,001-entry lists, nesting at and past the 100-level limit, odd tokens and content types, and
 * query strings with malformed escapes.
 */
import { SeededRandom } from '../../electron/core/training/prng.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface FuzzRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: string | Uint8Array;
  contentType?: string;
  /** What the generator did, for the failure report. */
  kind: string;
}

/** Ids of entities that exist, so some requests get past "not found" into deeper code. */
export interface Known {
  experimentId: string;
  runId: string;
  model: string;
}

export class FuzzGenerator {
  private readonly random: SeededRandom;

  constructor(
    seed: number,
    private readonly known: Known,
  ) {
    this.random = new SeededRandom(seed, 'sfc32');
  }

  int(n: number): number {
    return Math.floor(this.random.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.random.next() < p;
  }

  text(length = 1 + this.int(12)): string {
    const alphabet = 'abcXYZ019_-./ %$\'"\\\t\n\u00e9\u4e2d\u{1f600}';
    const chars = [...alphabet];
    let out = '';
    for (let i = 0; i < length; i++) out += this.pick(chars);
    return out;
  }

  /** A value of any JSON type; at the top level occasionally huge, long or deep (a few MB at most). */
  value(depth = 0): Json {
    switch (this.int(depth > 0 ? 5 : 12)) {
      case 0:
        return this.text();
      case 1:
        return this.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e-320, Number.MAX_SAFE_INTEGER]);
      case 2:
        return this.chance(0.5);
      case 3:
        return null;
      case 4:
        return this.pick([this.known.runId, this.known.experimentId, this.known.model, '0', '1', '-1', '', ' ', 'NaN', 'Infinity', '1e400']);
      case 5:
        return 'x'.repeat(600 * 1024);
      case 6:
        return this.pick(['ACTIVE_ONLY', 'ALL', 'FINISHED', 'RUNNING', 'champion', 'Production', "metrics.m > 0 and params.p = 'a'", 'attributes.start_time DESC']);
      case 7:
        return this.int(1_000_000_000);
      case 8:
        return this.text(200 + this.int(100));
      case 9:
        return Array.from({ length: this.chance(0.3) ? 1001 : 1 + this.int(4) }, () => this.value(depth + 1));
      case 10:
        return this.object(depth + 1);
      default:
        return nested(this.pick([50, 99, 100, 101, 5000]), this.chance(0.5) ? '[' : '{"a":');
    }
  }

  object(depth = 0, keys: readonly string[] = FIELDS): { [key: string]: Json } {
    const out: { [key: string]: Json } = {};
    const n = 1 + this.int(6);
    for (let i = 0; i < n; i++) out[this.chance(0.9) ? this.pick(keys) : this.text()] = this.value(depth);
    return out;
  }

  /** A plausible body with some fields of the wrong type, or a list of 1,001 entries. */
  template(keys: readonly string[]): { [key: string]: Json } {
    const known: { [key: string]: Json } = {
      run_id: this.known.runId,
      run_uuid: this.known.runId,
      runId: this.known.runId,
      runIds: [this.known.runId],
      experiment_id: this.known.experimentId,
      experimentId: this.known.experimentId,
      experiment_ids: [this.known.experimentId],
      experimentIds: [this.known.experimentId],
      name: this.known.model,
      version: '1',
    };
    const body: { [key: string]: Json } = {};
    for (const key of keys) if (key in known) body[key] = known[key]!;
    const wrong = 1 + this.int(3);
    for (let i = 0; i < wrong; i++) body[this.pick(keys)] = this.value();
    if (this.chance(0.2)) {
      const list = this.pick(['metrics', 'params', 'tags', 'datasets', 'experiment_ids', 'order_by', 'runIds', 'keys']);
      body[list] = Array.from({ length: 1001 }, (_, i) => ({ key: `k${i}`, value: i, timestamp: 1, step: 0 }));
    }
    return body;
  }

  /** A body string (or bytes) that is malformed in one of the ways the issue lists. */
  body(keys: readonly string[] = FIELDS): { body: string | Uint8Array; kind: string } {
    const json = JSON.stringify(this.template(keys));
    switch (this.int(9)) {
      case 0:
        return { body: json.slice(0, this.int(json.length)), kind: 'truncated' };
      case 1: {
        const bytes = new TextEncoder().encode(json);
        const bad = this.pick([[0xff], [0xc3], [0xe0, 0x80], [0xed, 0xa0, 0x80], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
        const at = this.int(bytes.length + 1);
        return { body: Uint8Array.from([...bytes.subarray(0, at), ...bad, ...bytes.subarray(at)]), kind: 'invalid-utf8' };
      }
      case 2:
        return { body: nested(this.pick([100, 101, 1000, 5000, 50_000]), this.chance(0.5) ? '[' : '{"k":'), kind: 'deep' };
      case 3:
        return { body: `{"${this.pick(keys)}": ${nested(this.pick([99, 101, 5000]), '[')}}`, kind: 'deep-field' };
      case 4:
        return {
          body: this.pick(['', ' ', 'null', '[]', '"text"', '123', 'NaN', '-Infinity', 'true', '{', '}', '{"a":1,}', "{'a': 1}", '{"a":1}{"b":2}', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']),
          kind: 'odd-token',
        };
      case 5:
        return { body: Uint8Array.from({ length: 1 + this.int(2000) }, () => this.int(256)), kind: 'random-bytes' };
      case 6:
        return { body: JSON.stringify(this.object()), kind: 'wrong-types' };
      default:
        return { body: json, kind: 'template' };
    }
  }

  contentType(): string | undefined {
    if (this.chance(0.85)) return 'application/json';
    return this.pick([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'text/csv', 'multipart/form-data; boundary=x', 'application/json; charset=latin1']);
  }

  /**
   * A query string of fuzzed values: long, repeated, or with malformed percent escapes. It stays
   * under Node's 16 kB header limit: past it the server answers 431 while the client may still be
   * sending, which can reset the connection (fuzz.test.ts checks that case once, on its own).
   */
  query(keys: readonly string[] = FIELDS): string {
    const parts: string[] = [];
    const n = 1 + this.int(5);
    for (let i = 0; i < n; i++) {
      const key = this.pick(keys);
      const value = this.pick([
        () => encodeURIComponent(String(this.value())).slice(0, 4000),
        () => this.pick(['%', '%zz', '%E0%A4', '%C3', '%00', '%ff%fe', '%%', '%u0041', '%2', '%GG']),
        () => encodeURIComponent(this.pick([this.known.runId, this.known.experimentId, this.known.model, '1'])),
        () => 'x'.repeat(3000),
      ])();
      parts.push(`${key}=${value}`);
      if (this.chance(0.2)) parts.push(`${key}=${value}`);
    }
    return `?${parts.join('&')}`.slice(0, 15_000);
  }
}

export function nested(depth: number, open: '[' | '{"a":' | '{"k":'): string {
  const close = open === '[' ? ']' : '}';
  return open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth);
}

/** Field names MLflow, MLDesk and the app API take, so fuzzed bodies reach validation and beyond. */
export const FIELDS = [
  'run_id', 'run_uuid', 'experiment_id', 'experiment_ids', 'name', 'new_name', 'key', 'value', 'timestamp', 'step', 'metrics', 'params', 'tags',
  'max_results', 'page_token', 'filter', 'filter_string', 'order_by', 'view_type', 'run_view_type', 'status', 'end_time', 'start_time', 'version',
  'alias', 'source', 'description', 'stage', 'archive_existing_versions', 'datasets', 'path', 'metric_key', 'reviewer', 'decision', 'user_id',
  'artifact_location', 'run_name', 'stages', 'comment', 'gates', 'reason', 'actor', 'request_id', 'actual', 'instances', 'inputs',
  'dataframe_split', 'dataframe_records', 'feedback',
] as const;
