import type { DatasetVersion } from '../../../../shared/datasets';
import { routeHref } from '../../app/router';
import { CategoryBars } from '../datasets/category-bars';
import { count, formatPercent, TypeBadge } from '../datasets/dataset-bits';
import { NumericHistogram } from '../datasets/numeric-histogram';
import { featureColumns } from './feature-columns';

/**
 * What the model will learn from, before it starts: the target's distribution (class balance or
 * value spread) and which columns become features, so a wrong target or a skewed class is caught
 * before the epochs are spent.
 */
export function TargetPreview({ version, target, keepIdColumns }: { version: DatasetVersion; target: string; keepIdColumns: boolean }) {
  const index = version.schema.findIndex((c) => c.name === target);
  const column = version.schema[index];
  const stats = version.stats[index];
  const { features, text: ignored, ids: leftOutAsId } = featureColumns(version, target, keepIdColumns);
  return (
    <section className="card target-preview" data-testid="target-preview">
      <div className="card-header">
        <span>
          Target <span className="mono">{target || '—'}</span>
        </span>
        <a className="muted" href={routeHref({ view: 'dataset', ref: version.ref })}>
          {version.ref}
        </a>
      </div>
      <div className="card-body target-body">
        {!column ? (
          <p className="muted">Pick a target column to see its distribution.</p>
        ) : (
          <>
            <p className="target-meta">
              <TypeBadge type={column.type} />
              <span className="muted">
                {count.format(version.rows - column.nullCount)} labelled rows{column.nullCount > 0 ? ` · ${formatPercent(column.nullCount / version.rows)} null (skipped)` : ''}
              </span>
            </p>
            {stats?.kind === 'categories' && <CategoryBars stats={stats} />}
            {stats?.kind === 'numeric' && <NumericHistogram stats={stats} type={column.type} />}
          </>
        )}
        <div className="feature-list">
          <span className="feature-list-title">Features ({features.length})</span>
          <span className="feature-chips">
            {features.slice(0, 24).map((c) => (
              <span key={c.name} className="feature-chip" title={c.type}>
                {c.name}
              </span>
            ))}
            {features.length > 24 && <span className="muted">+{features.length - 24} more</span>}
          </span>
          {ignored.length > 0 && <span className="muted">Left out as free text: {ignored.map((c) => c.name).join(', ')}</span>}
          {leftOutAsId.length > 0 && (
            <span className="muted" data-testid="id-columns-preview">
              Left out as ids (every value a distinct integer): {leftOutAsId.map((c) => c.name).join(', ')}
            </span>
          )}
        </div>
      </div>
    </section>
  );
}
