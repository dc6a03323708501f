import { count, formatPercent, formatStat } from './dataset-bits';
import { NOTABLE_NULL_RATE, NOTABLE_SHIFT_STD, type ColumnDelta, type VersionDiff } from './version-diff';

function signed(value: number, digits = 2): string {
  const text = Math.abs(value).toFixed(digits);
  return value >= 0 ? `+${text}` : `−${text}`;
}

/** The changes of one column as short phrases; notable ones are flagged for emphasis. */
export function deltaPhrases(delta: ColumnDelta): Array<{ text: string; notable: boolean }> {
  if (delta.change === 'added') return [{ text: 'new column', notable: true }];
  if (delta.change === 'removed') return [{ text: 'column removed', notable: true }];
  const out: Array<{ text: string; notable: boolean }> = [];
  if (delta.change === 'retyped') out.push({ text: `was ${delta.previousType}`, notable: true });
  if (delta.meanShiftStd !== null && delta.mean !== null && delta.previousMean !== null && delta.meanShiftStd !== 0) {
    out.push({
      text: `mean ${formatStat(delta.previousMean)} → ${formatStat(delta.mean)} (${signed(delta.meanShiftStd)}σ)`,
      notable: Math.abs(delta.meanShiftStd) >= NOTABLE_SHIFT_STD,
    });
  }
  if (delta.nullRate !== null && delta.previousNullRate !== null && delta.nullRate !== delta.previousNullRate) {
    out.push({ text: `nulls ${formatPercent(delta.previousNullRate)} → ${formatPercent(delta.nullRate)}`, notable: Math.abs(delta.nullRate - delta.previousNullRate) >= NOTABLE_NULL_RATE });
  }
  if (delta.newCategories.length > 0) out.push({ text: `new: ${delta.newCategories.slice(0, 3).join(', ')}${delta.newCategories.length > 3 ? ` +${delta.newCategories.length - 3}` : ''}`, notable: true });
  if (delta.goneCategories.length > 0) out.push({ text: `gone: ${delta.goneCategories.slice(0, 3).join(', ')}${delta.goneCategories.length > 3 ? ` +${delta.goneCategories.length - 3}` : ''}`, notable: true });
  return out;
}

/** The schema table's "vs previous" cell. */
export function DeltaCell({ delta }: { delta: ColumnDelta | undefined }) {
  if (!delta) return null;
  const phrases = deltaPhrases(delta);
  if (phrases.length === 0) return <span className="muted">unchanged</span>;
  return (
    <span className="delta-phrases">
      {phrases.map((p) => (
        <span key={p.text} className={p.notable ? 'delta notable' : 'delta'}>
          {p.text}
        </span>
      ))}
    </span>
  );
}

/** A column card's banner when the column moved notably since the previous version. */
export function DeltaNote({ delta }: { delta: ColumnDelta }) {
  const phrases = deltaPhrases(delta).filter((p) => p.notable);
  if (phrases.length === 0) return null;
  return (
    <p className="delta-note" data-testid="delta-note">
      <span className="delta-note-label">Changed</span>
      {phrases.map((p) => p.text).join(' · ')}
    </p>
  );
}

/** One line above the schema: how this version differs from the one before, in rows and columns. */
export function DiffSummary({ diff, version }: { diff: VersionDiff; version: number }) {
  const removed = diff.columns.filter((c) => c.change === 'removed').length;
  const added = diff.columns.filter((c) => c.change === 'added').length;
  return (
    <p className="diff-summary" data-testid="diff-summary">
      Compared with <strong>v{diff.previous.version}</strong>: {signed(diff.rowsDelta, 0).replace(/^\+0$/, '±0')} rows ({count.format(diff.previous.rows)} → {count.format(diff.previous.rows + diff.rowsDelta)})
      {added > 0 && <>, {added} new column{added === 1 ? '' : 's'}</>}
      {removed > 0 && <>, {removed} removed</>}
      {' · '}
      {diff.notableCount === 0 ? 'no notable column changes' : `${diff.notableCount} column${diff.notableCount === 1 ? '' : 's'} changed notably in v${version}`}
    </p>
  );
}
