import type { ColumnSchema, ColumnStats, DatasetFormat, DatasetVersion, ValidationProblem, ValidationReport } from '../../../shared/datasets.js';
import { cellText, normalizeCell, readAs, type RawCell } from './cell-values.js';
import { readTable, type TableSink } from './table-reader.js';

/**
 * Data tests: a file checked against a dataset version (its schema and statistics). Every problem
 * found fails the check:
 *   missing_column   a column of the version is absent from the file
 *   extra_column     the file has a column the version does not
 *   wrong_type       non-null cells that do not read as the column's type (text columns take anything)
 *   out_of_range     numbers outside the [min, max] the version had
 *   unseen_category  values of a categorical column the version never had
 *   null_rate        the share of nulls exceeds max(reference rate x NULL_RATE_FACTOR,
 *                    reference rate + NULL_RATE_MARGIN): doubling a real null rate is a change
 *                    worth a look, and the margin keeps a column with no nulls (rate 0) from
 *                    failing over a handful of them.
 */
export const NULL_RATE_FACTOR = 2;
export const NULL_RATE_MARGIN = 0.05;
/** Example rows and values kept per problem. */
export const MAX_EXAMPLES = 5;

interface Tally {
  count: number;
  rows: number[];
  values: string[];
}

const tally = (): Tally => ({ count: 0, rows: [], values: [] });

function note(t: Tally, row: number, value: string, distinctValues = false): void {
  t.count += 1;
  if (t.rows.length < MAX_EXAMPLES) t.rows.push(row);
  if (t.values.length < MAX_EXAMPLES && !(distinctValues && t.values.includes(value))) t.values.push(value);
}

class ColumnCheck {
  private nulls: number;
  private readonly wrongType = tally();
  private readonly outOfRange = tally();
  private readonly unseen = tally();
  private readonly categories: Set<string> | undefined;
  private readonly range: { min: number; max: number } | undefined;

  constructor(
    private readonly schema: ColumnSchema,
    stats: ColumnStats | undefined,
    priorRows: number,
  ) {
    this.nulls = priorRows;
    this.categories = schema.type === 'categorical' ? new Set(schema.categories ?? []) : undefined;
    this.range = stats?.kind === 'numeric' ? { min: stats.min, max: stats.max } : undefined;
  }

  add(raw: RawCell | undefined, row: number): void {
    const cell = normalizeCell(raw);
    if (cell === null) {
      this.nulls += 1;
      return;
    }
    const value = readAs(this.schema.type, cell);
    if (value === undefined) {
      note(this.wrongType, row, cellText(cell));
      return;
    }
    if (this.range && typeof value === 'number' && (value < this.range.min || value > this.range.max)) {
      note(this.outOfRange, row, cellText(cell));
    }
    if (this.categories && typeof value === 'string' && !this.categories.has(value)) note(this.unseen, row, value, true);
  }

  problems(rows: number, reference: DatasetVersion): ValidationProblem[] {
    const { name, type } = this.schema;
    const ref = reference.ref;
    const found: ValidationProblem[] = [];
    if (this.wrongType.count > 0) {
      found.push({
        column: name,
        kind: 'wrong_type',
        message: `${plural(this.wrongType.count, 'value')} cannot be read as ${type} (${ref} has ${type} values), e.g. ${quoteList(this.wrongType.values)} in ${rowList(this.wrongType.rows)}.`,
        ...examples(this.wrongType),
      });
    }
    if (this.range && this.outOfRange.count > 0) {
      found.push({
        column: name,
        kind: 'out_of_range',
        message: `${plural(this.outOfRange.count, 'value')} outside the range ${ref} had [${this.range.min}, ${this.range.max}], e.g. ${this.outOfRange.values.join(', ')} in ${rowList(this.outOfRange.rows)}.`,
        ...examples(this.outOfRange),
      });
    }
    if (this.unseen.count > 0) {
      found.push({
        column: name,
        kind: 'unseen_category',
        message: `${plural(this.unseen.count, 'row')} with categories ${ref} never had: ${quoteList(this.unseen.values)}.`,
        ...examples(this.unseen),
      });
    }
    const referenceRate = reference.rows === 0 ? 0 : this.schema.nullCount / reference.rows;
    const limit = Math.max(referenceRate * NULL_RATE_FACTOR, referenceRate + NULL_RATE_MARGIN);
    const rate = rows === 0 ? 0 : this.nulls / rows;
    if (rate > limit) {
      found.push({
        column: name,
        kind: 'null_rate',
        message: `null rate ${percent(rate)} (${plural(this.nulls, 'null')} in ${rows} rows) is above the limit ${percent(limit)} (${ref}: ${percent(referenceRate)}).`,
        count: this.nulls,
        rate,
        referenceRate,
        limit,
      });
    }
    return found;
  }
}

/** A TableSink comparing each row with the reference as it streams past. */
class ValidationSink implements TableSink {
  private readonly checks: Array<ColumnCheck | null> = [];
  readonly present = new Set<string>();
  readonly extra: string[] = [];
  rows = 0;

  constructor(private readonly reference: DatasetVersion) {}

  addColumn(name: string): void {
    const index = this.reference.schema.findIndex((column) => column.name === name);
    if (index === -1) {
      this.extra.push(name);
      this.checks.push(null);
      return;
    }
    this.present.add(name);
    this.checks.push(new ColumnCheck(this.reference.schema[index]!, this.reference.stats[index], this.rows));
  }

  row(cells: readonly RawCell[], rowNumber: number): void {
    this.rows += 1;
    for (let i = 0; i < this.checks.length; i++) this.checks[i]?.add(cells[i], rowNumber);
  }

  problems(): ValidationProblem[] {
    const ref = this.reference.ref;
    const byColumn = new Map<string, ValidationProblem[]>();
    for (const check of this.checks) check?.problems(this.rows, this.reference).forEach((p) => push(byColumn, p));
    for (const column of this.reference.schema) {
      if (!this.present.has(column.name)) {
        push(byColumn, { column: column.name, kind: 'missing_column', message: `column missing: ${ref} has a ${column.type} column '${column.name}'.` });
      }
    }
    for (const name of this.extra) push(byColumn, { column: name, kind: 'extra_column', message: `extra column: ${ref} has no column '${name}'.` });
    // Reference column order first, then extra columns in file order: the order a reader expects.
    const order = [...this.reference.schema.map((column) => column.name), ...this.extra];
    return order.flatMap((name) => byColumn.get(name) ?? []);
  }
}

export async function validateTable(path: string, format: DatasetFormat, reference: DatasetVersion): Promise<ValidationReport> {
  const sink = new ValidationSink(reference);
  const read = await readTable(path, format, sink, path);
  const problems = sink.problems();
  return {
    file: path,
    against: reference.ref,
    format,
    rows: read.rows,
    passed: problems.length === 0,
    checkedColumns: reference.schema.map((column) => column.name).filter((name) => sink.present.has(name)),
    problems,
  };
}

function push(map: Map<string, ValidationProblem[]>, problem: ValidationProblem): void {
  const list = map.get(problem.column);
  if (list) list.push(problem);
  else map.set(problem.column, [problem]);
}

function examples(t: Tally): Pick<ValidationProblem, 'count' | 'rows' | 'values'> {
  return { count: t.count, rows: [...t.rows], values: [...t.values] };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function rowList(rows: number[]): string {
  return `${rows.length === 1 ? 'row' : 'rows'} ${rows.join(', ')}`;
}

function quoteList(values: string[]): string {
  return values.map((value) => JSON.stringify(value)).join(', ');
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
