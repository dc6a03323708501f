import { useState } from 'react';
import type { ColumnSchema, ColumnStats, DatasetVersion } from '../../../../shared/datasets';
import { count, formatPercent, formatStat, TypeBadge } from './dataset-bits';
import type { ColumnDelta, VersionDiff } from './version-diff';
import { ShowMore } from '../../components/feedback';
import { DeltaCell, DiffSummary } from './version-delta';

/** Wide tables (hundreds of columns) list a page at a time. */
const ROWS_PAGE = 100;

function distinctText(stats: ColumnStats | undefined): string {
  if (!stats || stats.kind === 'numeric') return '—';
  const exact = stats.kind === 'text' ? stats.distinctExact : true;
  return `${exact ? '' : '≥ '}${count.format(stats.distinct)}`;
}

function summaryText(stats: ColumnStats | undefined): string {
  if (!stats || stats.count === 0) return 'all null';
  if (stats.kind === 'numeric') return `${formatStat(stats.min)} … ${formatStat(stats.max)}, mean ${formatStat(stats.mean)}`;
  if (stats.kind === 'categories') {
    const names = stats.top.slice(0, 3).map((t) => t.value || '(empty)');
    return `${names.join(', ')}${stats.distinct > names.length ? ', …' : ''}`;
  }
  return stats.minLength === null ? '—' : `${count.format(stats.minLength)}–${count.format(stats.maxLength ?? 0)} chars`;
}

function NullCell({ column, rows }: { column: ColumnSchema; rows: number }) {
  const share = rows > 0 ? column.nullCount / rows : 0;
  return (
    <span className="null-cell">
      <span className="null-track" aria-hidden="true">
        <span className="null-fill" style={{ width: `${Math.max(share > 0 ? 4 : 0, share * 100)}%` }} />
      </span>
      <span className="num">{formatPercent(share)}</span>
    </span>
  );
}

/**
 * Every column with its type, nulls and distinct values, and, when an earlier version exists,
 * what changed since it. A name jumps to the column's statistics card.
 */
export function SchemaTable({ version, shown, diff, onOpenColumn }: { version: DatasetVersion; shown: ColumnSchema[]; diff: VersionDiff | null; onOpenColumn(name: string): void }) {
  const [limit, setLimit] = useState(ROWS_PAGE);
  const rows = shown.slice(0, limit);
  const statsByName = new Map(version.stats.map((s) => [s.name, s]));
  const deltas = new Map<string, ColumnDelta>(diff?.columns.map((c) => [c.name, c]) ?? []);
  const removed = diff?.columns.filter((c) => c.change === 'removed') ?? [];
  return (
    <section className="card schema-card" aria-labelledby="schema-title">
      <div className="card-header">
        <span id="schema-title">
          Schema <span className="count">{version.schema.length}</span>
        </span>
        {diff && <DiffSummary diff={diff} version={version.version} />}
      </div>
      <div className="table-scroll schema-scroll">
        <table className="data-table schema-table" data-testid="schema-table">
          <thead>
            <tr>
              <th>Column</th>
              <th>Type</th>
              <th className="num">Nulls</th>
              <th>Null %</th>
              <th className="num">Distinct</th>
              <th>Values</th>
              {diff && <th>vs v{diff.previous.version}</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((column) => {
              const stats = statsByName.get(column.name);
              return (
                <tr key={column.name} data-testid="schema-row" data-column={column.name} className={deltas.get(column.name)?.notable ? 'changed' : ''}>
                  <td>
                    <button type="button" className="link-button column-link" onClick={() => onOpenColumn(column.name)}>
                      {column.name}
                    </button>
                  </td>
                  <td>
                    <TypeBadge type={column.type} />
                  </td>
                  <td className="num">{count.format(column.nullCount)}</td>
                  <td>
                    <NullCell column={column} rows={version.rows} />
                  </td>
                  <td className="num">{distinctText(stats)}</td>
                  <td className="values-cell muted" title={summaryText(stats)}>
                    {summaryText(stats)}
                  </td>
                  {diff && (
                    <td>
                      <DeltaCell delta={deltas.get(column.name)} />
                    </td>
                  )}
                </tr>
              );
            })}
            {removed.map((delta) => (
              <tr key={`removed-${delta.name}`} className="removed">
                <td>
                  <s>{delta.name}</s>
                </td>
                <td>
                  <TypeBadge type={delta.type} />
                </td>
                <td colSpan={4} className="muted">
                  only in v{diff?.previous.version}
                </td>
                <td>
                  <DeltaCell delta={delta} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {shown.length > rows.length && (
          <ShowMore onMore={() => setLimit((n) => n + ROWS_PAGE)}>Show {Math.min(ROWS_PAGE, shown.length - rows.length)} more of {shown.length - rows.length} columns</ShowMore>
        )}
      </div>
    </section>
  );
}
