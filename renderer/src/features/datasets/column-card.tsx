import type { ColumnSchema, ColumnStats, ColumnType, NumericStats, TextStats } from '../../../../shared/datasets';
import { QUANTILE_KEYS } from '../../../../shared/datasets';
import { CategoryBars } from './category-bars';
import { count, formatPercent, formatStat, TypeBadge } from './dataset-bits';
import { NumericHistogram } from './numeric-histogram';
import type { ColumnDelta } from './version-diff';
import { DeltaNote } from './version-delta';

function NumericSummary({ stats, type }: { stats: NumericStats; type: ColumnType }) {
  const figures: Array<[string, number]> = [
    ['min', stats.min],
    ['mean', stats.mean],
    ['std', stats.std],
    ['max', stats.max],
  ];
  return (
    <>
      <dl className="stat-figures">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd title={String(value)}>{formatStat(value)}</dd>
          </div>
        ))}
      </dl>
      <NumericHistogram stats={stats} type={type} />
      <div className="histogram-legend muted">
        <span>
          <i className="legend-swatch mean" /> mean
        </span>
        <span>
          <i className="legend-swatch median" /> median
        </span>
      </div>
      <table className="quantiles" aria-label="Quantiles">
        <thead>
          <tr>
            {QUANTILE_KEYS.map((key) => (
              <th key={key}>{key === 'p50' ? 'median' : key}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            {QUANTILE_KEYS.map((key) => (
              <td key={key} title={String(stats.quantiles[key])}>
                {formatStat(stats.quantiles[key])}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </>
  );
}

function TextSummary({ stats }: { stats: TextStats }) {
  return (
    <>
      <dl className="stat-figures">
        <div>
          <dt>distinct</dt>
          <dd>
            {stats.distinctExact ? '' : '≥ '}
            {count.format(stats.distinct)}
          </dd>
        </div>
        <div>
          <dt>unique share</dt>
          <dd>{formatPercent(stats.count > 0 ? stats.distinct / stats.count : null)}</dd>
        </div>
        <div>
          <dt>length</dt>
          <dd>{stats.minLength === null ? '—' : stats.minLength === stats.maxLength ? count.format(stats.minLength) : `${count.format(stats.minLength)} – ${count.format(stats.maxLength ?? 0)}`}</dd>
        </div>
      </dl>
      <p className="muted text-note">Free text: too many distinct values to be categories, so training leaves it out as a feature.</p>
    </>
  );
}

/** One column's profile: its type, nulls, and the distribution its type calls for. */
export function ColumnCard({ column, stats, rows, delta }: { column: ColumnSchema; stats: ColumnStats | undefined; rows: number; delta: ColumnDelta | undefined }) {
  const nullShare = rows > 0 ? column.nullCount / rows : null;
  return (
    <article className="card column-card" id={`column-${column.name}`} data-testid="column-card" data-column={column.name} data-kind={stats?.kind ?? 'none'}>
      <header className="column-card-head">
        <h3 title={column.name}>{column.name}</h3>
        <TypeBadge type={column.type} />
        <span className={`column-nulls${column.nullCount > 0 ? ' has-nulls' : ''}`} title={`${count.format(column.nullCount)} null cells of ${count.format(rows)}`}>
          {column.nullCount > 0 ? `${formatPercent(nullShare)} null` : 'no nulls'}
        </span>
      </header>
      {delta?.notable && <DeltaNote delta={delta} />}
      <div className="column-card-body">
        {!stats || stats.count === 0 ? (
          <p className="muted">Every cell is null.</p>
        ) : stats.kind === 'numeric' ? (
          <NumericSummary stats={stats} type={column.type} />
        ) : stats.kind === 'categories' ? (
          <>
            <p className="muted category-summary">
              {count.format(stats.distinct)} distinct · {count.format(stats.count)} non-null
            </p>
            <CategoryBars stats={stats} />
          </>
        ) : (
          <TextSummary stats={stats} />
        )}
      </div>
    </article>
  );
}
