import type { CategoryStats, ColumnSchema, ColumnStats, ColumnType, DatasetFormat } from '../../../shared/datasets.js';
import { cellText, normalizeCell, readBoolean, readInteger, readNumber, type RawCell } from './cell-values.js';
import { NumberBuffer, numericStats } from './numeric-stats.js';
import { DatasetFileError, readTable, type TableReadResult, type TableSink } from './table-reader.js';

/**
 * Type inference and statistics in one pass over the rows.
 *
 * Type: the narrowest type every non-null cell can be read as, in the order boolean, integer,
 * numeric; otherwise categorical or text:
 *   categorical when distinct values <= CATEGORICAL_MAX_DISTINCT and
 *               distinct / non-null cells <= CATEGORICAL_MAX_RATIO,
 *   text        otherwise (names, ids, free text: values that mostly do not repeat).
 * So 3 species over 150 rows (ratio 0.02) are categorical, 600 city names over 700 rows (0.86) are
 * text, and 1,000 product codes over 50,000 rows (0.02) are categorical. A column with no values at
 * all is text. 0/1 columns stay integer: only true/false (any case) and JSON booleans are boolean.
 *
 * While a column may still turn out numeric, its values are kept in a Float64Array (exact
 * quantiles) and not counted as texts. A column that turns non-numeric after some numbers (zip
 * codes, then 'SW1A') is recounted in a second pass over the same bytes; that pass costs only in
 * that case. Distinct values are counted exactly up to DISTINCT_TRACK_LIMIT, beyond which only
 * values already seen are counted and the distinct count of a text column becomes a lower bound.
 */
export const CATEGORICAL_MAX_DISTINCT = 1000;
export const CATEGORICAL_MAX_RATIO = 0.5;
export const DISTINCT_TRACK_LIMIT = 100_000;
export const TOP_CATEGORIES = 50;

export interface ColumnProfile {
  schema: ColumnSchema;
  stats: ColumnStats;
}

export class ColumnProfiler {
  private nulls: number;
  private nonNull = 0;
  private maybeBoolean = true;
  private maybeInteger = true;
  private maybeNumeric = true;
  private trueCount = 0;
  private numbers: NumberBuffer | null = new NumberBuffer();
  private readonly counts = new Map<string, number>();
  private distinctCapped = false;
  private minLength = Infinity;
  private maxLength = -Infinity;
  /**
   * True when the column held numbers before its first non-number: those cells were not counted
   * as texts, so its categories need a second pass over the file (recount) to be exact.
   */
  needsRecount = false;

  /** `priorRows`: rows read before this column first appeared (JSON lines), which count as nulls. */
  constructor(
    readonly name: string,
    priorRows = 0,
  ) {
    this.nulls = priorRows;
  }

  add(raw: RawCell | undefined): void {
    const cell = normalizeCell(raw);
    if (cell === null) {
      this.nulls += 1;
      return;
    }
    this.nonNull += 1;
    if (this.maybeBoolean) {
      const flag = readBoolean(cell);
      if (flag === undefined) this.maybeBoolean = false;
      else if (flag) this.trueCount += 1;
    }
    if (this.maybeNumeric) {
      // Integer first: for integer columns that is the only pattern tested per cell.
      let value = this.maybeInteger ? readInteger(cell) : undefined;
      if (value === undefined) {
        this.maybeInteger = false;
        value = readNumber(cell);
      }
      if (value !== undefined) {
        this.numbers!.push(value);
        // Numbers are not counted as texts: most numeric columns stay numeric, and a Map entry per
        // distinct float would double the cost of an import. See needsRecount for the rest.
        return;
      }
      this.maybeNumeric = false;
      this.numbers = null;
      this.needsRecount = this.nonNull > 1;
    }
    this.countText(cell);
  }

  /** Starts the second pass: only text counts and lengths are gathered again, from scratch. */
  resetTextCounts(): void {
    this.counts.clear();
    this.distinctCapped = false;
    this.minLength = Infinity;
    this.maxLength = -Infinity;
  }

  recount(raw: RawCell | undefined): void {
    const cell = normalizeCell(raw);
    if (cell !== null) this.countText(cell);
  }

  private countText(cell: Exclude<RawCell, null>): void {
    const text = cellText(cell);
    if (text.length < this.minLength) this.minLength = text.length;
    if (text.length > this.maxLength) this.maxLength = text.length;
    const seen = this.counts.get(text);
    if (seen !== undefined) this.counts.set(text, seen + 1);
    else if (this.counts.size < DISTINCT_TRACK_LIMIT) this.counts.set(text, 1);
    else this.distinctCapped = true;
  }

  inferType(): ColumnType {
    if (this.nonNull === 0) return 'text';
    if (this.maybeBoolean) return 'boolean';
    if (this.maybeInteger) return 'integer';
    if (this.maybeNumeric) return 'numeric';
    const distinct = this.counts.size;
    const categorical = !this.distinctCapped && distinct <= CATEGORICAL_MAX_DISTINCT && distinct / this.nonNull <= CATEGORICAL_MAX_RATIO;
    return categorical ? 'categorical' : 'text';
  }

  finish(): ColumnProfile {
    const type = this.inferType();
    const schema: ColumnSchema = { name: this.name, type, nullCount: this.nulls };
    switch (type) {
      case 'integer': {
        const sorted = this.numbers!.sorted();
        return { schema, stats: { ...numericStats(this.name, sorted), allDistinct: noRepeats(sorted) } };
      }
      case 'numeric':
        return { schema, stats: numericStats(this.name, this.numbers!.sorted()) };
      case 'boolean': {
        const falseCount = this.nonNull - this.trueCount;
        const counts = new Map<string, number>();
        if (this.trueCount > 0) counts.set('true', this.trueCount);
        if (falseCount > 0) counts.set('false', falseCount);
        return { schema, stats: categoryStats(this.name, counts, this.nonNull) };
      }
      case 'categorical':
        schema.categories = [...this.counts.keys()].sort(compareText);
        return { schema, stats: categoryStats(this.name, this.counts, this.nonNull) };
      case 'text':
        return {
          schema,
          stats: {
            name: this.name,
            kind: 'text',
            count: this.nonNull,
            distinct: this.counts.size,
            distinctExact: !this.distinctCapped,
            minLength: this.nonNull === 0 ? null : this.minLength,
            maxLength: this.nonNull === 0 ? null : this.maxLength,
          },
        };
    }
  }
}

/** Whether no value of a sorted array occurs twice. */
function noRepeats(sorted: Float64Array): boolean {
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return false;
  return true;
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function categoryStats(name: string, counts: Map<string, number>, nonNull: number): CategoryStats {
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]));
  const top = ranked.slice(0, TOP_CATEGORIES).map(([value, count]) => ({ value, count }));
  const topTotal = top.reduce((sum, entry) => sum + entry.count, 0);
  return { name, kind: 'categories', count: nonNull, distinct: counts.size, top, otherCount: nonNull - topTotal };
}

/**
 * A TableSink that profiles every column; finish() gives the schema and statistics in column
 * order. When a column needs a recount, the caller reads the same bytes again after
 * startRecount() (see profileTable).
 */
export class TableProfiler implements TableSink {
  private readonly columns: ColumnProfiler[] = [];
  private rows = 0;
  private recounting = false;

  addColumn(name: string): void {
    // The second pass reads the same bytes, so its columns arrive in the same order: keep them.
    if (!this.recounting) this.columns.push(new ColumnProfiler(name, this.rows));
  }

  row(cells: readonly RawCell[]): void {
    const columns = this.columns;
    if (this.recounting) {
      for (let i = 0; i < columns.length; i++) if (columns[i]!.needsRecount) columns[i]!.recount(cells[i]);
      return;
    }
    this.rows += 1;
    for (let i = 0; i < columns.length; i++) columns[i]!.add(cells[i]);
  }

  needsRecount(): boolean {
    return this.columns.some((column) => column.needsRecount);
  }

  startRecount(): void {
    this.recounting = true;
    for (const column of this.columns) if (column.needsRecount) column.resetTextCounts();
  }

  finish(): ColumnProfile[] {
    return this.columns.map((column) => column.finish());
  }
}

export interface TableProfile extends TableReadResult {
  profile: ColumnProfile[];
}

/** Profiles a file: one pass, plus a second over the same bytes only when a column needs a recount. */
export async function profileTable(path: string, format: DatasetFormat, label = path): Promise<TableProfile> {
  const profiler = new TableProfiler();
  const read = await readTable(path, format, profiler, label);
  if (profiler.needsRecount()) {
    profiler.startRecount();
    const again = await readTable(path, format, profiler, label);
    if (again.sha256 !== read.sha256) throw new DatasetFileError(label, undefined, 'the file changed while it was being read; import it again.');
  }
  return { ...read, profile: profiler.finish() };
}
