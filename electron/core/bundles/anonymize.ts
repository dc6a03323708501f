import { basename, extname } from 'node:path';
import type { SqliteDatabase } from '../store/database.js';

/**
 * What a bundle must not carry from the exporter's machine, and the pseudonyms that replace it.
 * Every bundle loses the data dir's absolute path (artifact files become `mlflow-artifacts:/…`,
 * anything else under the data dir `<data-dir>/…`) and the home folder (`~/…`). An anonymised
 * bundle (`--anonymize`, double-blind review) also replaces people, hosts and file paths by
 * pseudonyms, the same one for the same original everywhere (store and text artifacts), so a
 * reviewer still sees that two runs came from the same person.
 */
export interface ScrubSources {
  dataDir: string;
  artifactsRoot: string;
  homeDir: string;
  /** The exporter's OS user and host: replaced wherever they appear when anonymising. */
  userName: string | null;
  hostName: string;
  anonymize: boolean;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const looksLikePath = (text: string) => /^(\/|~\/|[A-Za-z]:[\\/]|\\\\|\.{1,2}[\\/])/.test(text) || (text.includes('/') && !text.includes(' ') && !/^[a-z][a-z0-9+.-]*:/i.test(text));

export class Scrubber {
  private readonly persons = new Map<string, string>();
  private readonly hosts = new Map<string, string>();
  private readonly paths = new Map<string, string>();
  private readonly files = new Map<string, string>();
  private pattern: RegExp | null = null;
  private replacements = new Map<string, string>();

  constructor(readonly sources: ScrubSources) {
    if (sources.anonymize) {
      if (sources.userName) this.person(sources.userName);
      this.host(sources.hostName);
    }
  }

  get anonymize(): boolean {
    return this.sources.anonymize;
  }

  /** A person's pseudonym (`user-N`); the original is replaced in free text from then on. */
  person(name: string): string {
    if (!this.anonymize || name.trim() === '') return name;
    return this.pseudonym(this.persons, name, 'user');
  }

  host(name: string): string {
    if (!this.anonymize || name.trim() === '') return name;
    return this.pseudonym(this.hosts, name, 'host');
  }

  /** A file path's pseudonym (`path-N`); text that is not a path is kept. */
  path(path: string): string {
    if (!this.anonymize || !looksLikePath(path)) return path;
    return this.pseudonym(this.paths, path, 'path');
  }

  /** A file name's pseudonym keeping its extension (`file-N.csv`). */
  fileName(name: string): string {
    if (!this.anonymize || name === '') return name;
    const known = this.files.get(name);
    if (known) return known;
    const alias = `file-${this.files.size + 1}${extname(basename(name)).slice(0, 16)}`;
    this.files.set(name, alias);
    this.pattern = null;
    return alias;
  }

  private pseudonym(map: Map<string, string>, original: string, prefix: string): string {
    const known = map.get(original);
    if (known) return known;
    const alias = `${prefix}-${map.size + 1}`;
    map.set(original, alias);
    this.pattern = null;
    return alias;
  }

  private build(): RegExp {
    const { dataDir, artifactsRoot, homeDir } = this.sources;
    const pairs = new Map<string, string>();
    const parts: { source: string; length: number }[] = [];
    const add = (original: string, replacement: string, word: boolean) => {
      if (original.length < 2 || pairs.has(original)) return;
      pairs.set(original, replacement);
      const escaped = escapeRegex(original);
      parts.push({ source: word ? `(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])` : escaped, length: original.length });
    };
    add(`file://${artifactsRoot}`, 'mlflow-artifacts:', false);
    add(artifactsRoot, 'mlflow-artifacts:', false);
    add(dataDir, '<data-dir>', false);
    if (homeDir.length > 1) add(`${homeDir}/`, '~/', false);
    if (homeDir.length > 1) add(homeDir, '~', false);
    for (const [original, alias] of this.paths) add(original, alias, false);
    for (const [original, alias] of this.files) add(original, alias, true);
    for (const [original, alias] of this.persons) add(original, alias, true);
    for (const [original, alias] of this.hosts) add(original, alias, true);
    // Longest first: at one position the alternation takes the first that matches.
    parts.sort((a, b) => b.length - a.length);
    this.replacements = pairs;
    return new RegExp(parts.map((p) => p.source).join('|'), 'g');
  }

  /** Free text with every known original replaced. */
  text(text: string): string {
    this.pattern ??= this.build();
    if (!this.pattern.source || this.pattern.source === '(?:)') return text;
    return text.replace(this.pattern, (match) => this.replacements.get(match) ?? match);
  }

  /** A text file's bytes scrubbed; null when it is binary, too large, or unchanged. */
  buffer(data: Buffer): Buffer | null {
    if (data.length > 16 * 1024 * 1024 || data.subarray(0, 8000).includes(0)) return null;
    const text = data.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(data)) return null;
    const scrubbed = this.text(text);
    return scrubbed === text ? null : Buffer.from(scrubbed, 'utf8');
  }
}

/** Tags whose value is a file path on the exporter's machine. */
const PATH_TAGS = ['mlflow.source.name', 'mldesk.lineage.code.project_dir', 'mldesk.lineage.code.git_root', 'mldesk.lineage.data.source'];
const PERSON_COLUMNS = new Set(['runs.user_id', 'model_versions.creator_identity', 'model_version_reviews.reviewer_identity', 'model_version_reviews.reviewer_display', 'alias_audit.actor_identity', 'alias_audit.actor_display']);

/**
 * Registers the scrub functions on the connection that copies the rows: values are scrubbed as
 * they are copied, so no original ever reaches the bundle's file (an UPDATE afterwards would leave
 * the old text in freed pages).
 */
export function registerScrubFunctions(db: SqliteDatabase, scrubber: Scrubber): void {
  const wrap = (fn: (text: string) => string) => (value: unknown) => (typeof value === 'string' ? fn(value) : value);
  db.function('mldesk_bundle_person', { deterministic: true }, wrap((v) => scrubber.person(v)));
  db.function('mldesk_bundle_path', { deterministic: true }, wrap((v) => scrubber.path(v)));
  db.function('mldesk_bundle_file', { deterministic: true }, wrap((v) => scrubber.fileName(v)));
  db.function('mldesk_bundle_text', wrap((v) => scrubber.text(v)));
}

/**
 * Before any row is copied, every person, path and file name the copy will carry gets its
 * pseudonym, so free text copied earlier (a note naming a reviewer) is scrubbed of it too.
 * `runs` is a subquery of the run_pks copied; `versions` of the version_pks.
 */
export function collectOriginals(db: SqliteDatabase, runs: string, versions: string, datasetVersions: string): void {
  const tags = PATH_TAGS.map((t) => `'${t}'`).join(', ');
  db.prepare(`SELECT mldesk_bundle_person(user_id) FROM main.runs WHERE run_pk IN (${runs}) ORDER BY run_pk`).all();
  db.prepare(`SELECT mldesk_bundle_person(value) FROM main.tags WHERE key = 'mlflow.user' AND run_pk IN (${runs})`).all();
  db.prepare(`SELECT mldesk_bundle_path(value) FROM main.tags WHERE key IN (${tags}) AND run_pk IN (${runs})`).all();
  db.prepare(`SELECT mldesk_bundle_person(creator_identity) FROM main.model_versions WHERE version_pk IN (${versions})`).all();
  db.prepare(`SELECT mldesk_bundle_person(reviewer_identity), mldesk_bundle_person(reviewer_display) FROM main.model_version_reviews WHERE version_pk IN (${versions})`).all();
  db.prepare(`SELECT mldesk_bundle_person(actor_identity), mldesk_bundle_person(actor_display) FROM main.alias_audit WHERE model_id IN (SELECT model_id FROM main.model_versions WHERE version_pk IN (${versions}))`).all();
  db.prepare(`SELECT mldesk_bundle_file(original_file_name) FROM main.dataset_versions WHERE version_id IN (${datasetVersions})`).all();
}

/** The SELECT expression copying one column: text columns outside the primary key go through the scrubber. */
export function scrubExpression(table: string, column: string, type: string, inPrimaryKey: boolean): string {
  const quoted = `"${column}"`;
  if (inPrimaryKey || type.toUpperCase() !== 'TEXT') return quoted;
  let inner = quoted;
  if (PERSON_COLUMNS.has(`${table}.${column}`)) inner = `mldesk_bundle_person(${quoted})`;
  else if (table === 'dataset_versions' && column === 'original_file_name') inner = `mldesk_bundle_file(${quoted})`;
  else if (table === 'tags' && column === 'value') {
    inner = `CASE WHEN key = 'mlflow.user' THEN mldesk_bundle_person(value) WHEN key IN (${PATH_TAGS.map((t) => `'${t}'`).join(', ')}) THEN mldesk_bundle_path(value) ELSE value END`;
  }
  return `mldesk_bundle_text(${inner})`;
}
