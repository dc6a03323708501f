import type { CategoryStats } from '../../../../shared/datasets';
import { count, formatPercent } from './dataset-bits';

/** How many of the stored top values a card draws; the rest fold into "other". */
const SHOWN = 8;

/**
 * Top categories as horizontal bars, each scaled to the most frequent one and labelled with its
 * share of non-null rows; everything past the first few is one "other" bar, so the card's height
 * does not depend on the column's cardinality.
 */
export function CategoryBars({ stats }: { stats: CategoryStats }) {
  const shown = stats.top.slice(0, SHOWN);
  const folded = stats.top.slice(SHOWN);
  const otherCount = stats.otherCount + folded.reduce((sum, c) => sum + c.count, 0);
  const otherValues = stats.distinct - shown.length;
  const rows = [...shown.map((c) => ({ label: c.value, count: c.count, other: false })), ...(otherCount > 0 ? [{ label: `other (${count.format(otherValues)} values)`, count: otherCount, other: true }] : [])];
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <ul className="category-bars" data-testid="category-bars">
      {rows.map((row) => (
        <li key={row.other ? '\u0000other' : row.label} className={row.other ? 'other' : ''} title={`${row.label}: ${count.format(row.count)} rows`}>
          <span className="category-label">{row.label === '' ? <em>(empty)</em> : row.label}</span>
          <span className="category-track">
            <span className="category-fill" style={{ width: `${(row.count / max) * 100}%` }} />
          </span>
          <span className="category-count">{count.format(row.count)}</span>
          <span className="category-share muted">{formatPercent(stats.count > 0 ? row.count / stats.count : null)}</span>
        </li>
      ))}
    </ul>
  );
}
