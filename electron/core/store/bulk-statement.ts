import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';

/** Rows per statement: 128 rows of 12 columns stay far below SQLite's 32,766 bound parameters. */
const CHUNK = 128;

/**
 * A multi-row `INSERT ... VALUES (...), (...), ...`: a 1,000-point batch is 8 statement runs
 * instead of 1,000, which cuts the per-call cost (binding, stepping, resetting) that dominated
 * small rows. Statements are prepared once per row count; counts below a full chunk are split
 * into powers of two so at most eight shapes exist per table.
 */
export class BulkStatement {
  private readonly statements = new Map<number, Statement>();

  constructor(
    private readonly db: SqliteDatabase,
    /** `INSERT [OR IGNORE] INTO t (a, b, ...) VALUES` */
    private readonly head: string,
    private readonly columns: number,
    /** Anything after the VALUES list, e.g. an ON CONFLICT clause. */
    private readonly tail = '',
  ) {}

  /** Inserts `args.length / columns` rows given flat, row after row; returns the rows changed. */
  run(args: unknown[]): number {
    const rows = args.length / this.columns;
    let changes = 0;
    let row = 0;
    while (row < rows) {
      const left = rows - row;
      const count = left >= CHUNK ? CHUNK : 2 ** Math.floor(Math.log2(left));
      const slice = args.slice(row * this.columns, (row + count) * this.columns);
      changes += this.statement(count).run(slice).changes;
      row += count;
    }
    return changes;
  }

  private statement(rows: number): Statement {
    let statement = this.statements.get(rows);
    if (!statement) {
      const row = `(${Array.from({ length: this.columns }, () => '?').join(',')})`;
      statement = this.db.prepare(`${this.head} ${Array.from({ length: rows }, () => row).join(',')} ${this.tail}`);
      this.statements.set(rows, statement);
    }
    return statement;
  }
}
