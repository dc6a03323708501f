import type { LineageGraph, LineageNode } from '../../../../shared/lineage';

/**
 * How lineage values read on screen: hashes cut to a recognisable prefix, the server's node detail
 * strings split into their parts, and metric differences printed so that a difference in the 12th
 * digit is still visible (a reproduction is about exact numbers, not about 5 significant digits).
 */

export const SHORT_HASH = 12;

export function shortHash(hash: string, length = SHORT_HASH): string {
  return hash.length > length ? hash.slice(0, length) : hash;
}

/** Keeps the start and the end of a long string: run ids and URIs are told apart by both. */
export function middleEllipsis(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.max(1, max - 1);
  const head = Math.ceil(keep / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (keep - head))}`;
}

export function endEllipsis(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

export function runIdOfNode(node: Pick<LineageNode, 'id' | 'kind'>): string | null {
  return node.kind === 'run' && node.id.startsWith('run:') ? node.id.slice(4) : null;
}

/** `runs:/<run id>/model` → the run id. */
export function runIdOfModelUri(uri: string): string | null {
  return /^runs:\/([^/]+)\//.exec(uri)?.[1] ?? null;
}

export interface RunNodeDetail {
  status: string | null;
  experiment: string | null;
  deleted: boolean;
  /** The server's text when it does not follow the usual shape ('no longer in this data directory'). */
  text: string;
}

/** The server writes `FINISHED in 'experiment'[, deleted]`. */
export function parseRunDetail(detail: string): RunNodeDetail {
  const match = /^([A-Z]+) in '(.*)'(, deleted)?$/.exec(detail);
  if (!match) return { status: null, experiment: null, deleted: false, text: detail };
  return { status: match[1]!, experiment: match[2]!, deleted: !!match[3], text: detail };
}

export interface DatasetNodeDetail {
  sha256Prefix: string | null;
  rows: number | null;
  text: string;
}

/** The server writes `sha256 <12 hex>…, <n> rows`, or why the version is missing. */
export function parseDatasetDetail(detail: string): DatasetNodeDetail {
  const match = /^sha256 ([0-9a-f]+)…?, (\d+) rows$/.exec(detail);
  if (!match) return { sha256Prefix: null, rows: null, text: detail };
  return { sha256Prefix: match[1]!, rows: Number(match[2]), text: detail };
}

/** `name@version` → its parts; a bare name has no version. */
export function splitDatasetRef(ref: string): { name: string; version: string | null } {
  const at = ref.lastIndexOf('@');
  return at > 0 ? { name: ref.slice(0, at), version: ref.slice(at + 1) } : { name: ref, version: null };
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatMemory(bytes: number): string {
  if (bytes <= 0) return 'unknown';
  const gib = bytes / 1024 ** 3;
  return gib >= 1 ? `${gib.toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

/** Enough digits to tell two doubles apart that differ late; integers stay integers. */
export function formatExact(value: number | null): string {
  if (value === null) return '—';
  if (Number.isInteger(value)) return String(value);
  if (value !== 0 && (Math.abs(value) >= 1e9 || Math.abs(value) < 1e-6)) return value.toExponential(6);
  return String(Number(value.toPrecision(12)));
}

export function formatDiff(value: number | null): string {
  if (value === null) return '—';
  if (value === 0) return '0';
  if (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e6) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

/** A relative tolerance in words: 0 means bit-for-bit equal numbers. */
export function formatTolerance(tolerance: number): string {
  if (tolerance === 0) return 'exact (0)';
  const percent = tolerance * 100;
  return `${tolerance} relative (${percent >= 0.01 ? Number(percent.toPrecision(3)) : percent.toExponential(1)} %)`;
}

/** The tolerance field's text → a number in [0, 1], or why not. */
export function parseTolerance(text: string): { value: number } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: 0 };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { error: 'Enter a number, for example 0 or 0.001.' };
  if (value < 0) return { error: 'The tolerance cannot be negative.' };
  if (value > 1) return { error: 'This is a relative tolerance: at most 1 (100 %).' };
  return { value };
}

export interface Reproduction {
  runId: string;
  name: string;
  status: string | null;
}

/** Runs whose `reproduces` edge points at this run, in the graph's order (oldest first). */
export function reproductionsOf(graph: LineageGraph, runId: string): Reproduction[] {
  const target = `run:${runId}`;
  return graph.edges
    .filter((e) => e.relation === 'reproduces' && e.to === target && e.from.startsWith('run:'))
    .map((e) => {
      const id = e.from.slice(4);
      const node = graph.nodes.find((n) => n.id === e.from);
      return { runId: id, name: node?.label ?? id, status: node ? parseRunDetail(node.detail).status : null };
    });
}
