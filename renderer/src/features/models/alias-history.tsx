import type { AliasChange } from '../../../../shared/app-api/models';
import { ROLLBACK_MARK } from '../../../../shared/app-api/models';
import { formatRelative, formatTime } from '../../components/format';
import { ShowMore } from '../../components/feedback';
import { AliasBadge, CountedTitle, Who } from './model-badges';

/** The audit trail of alias moves, newest first: who moved which alias, when, from where to where and why. */
export function AliasHistory({ entries, total, onMore }: { entries: AliasChange[]; total: number; onMore: () => void }) {
  return (
    <section className="card">
      <div className="card-header">
        <CountedTitle title="Alias history" count={total} />
        <span className="muted">Every alias move, kept even when versions are deleted.</span>
      </div>
      {total === 0 ? (
        <p className="muted card-empty">No alias has been set yet. Promoting a version to champion is recorded here with its reason.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table alias-history" data-testid="alias-history">
            <thead>
              <tr>
                <th>When</th>
                <th>Alias</th>
                <th>Change</th>
                <th>By</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e, i) => {
                const rollback = e.reason.startsWith(ROLLBACK_MARK);
                return (
                  <tr key={`${e.time}-${i}`} data-testid="alias-history-row" data-alias={e.alias} data-from={e.fromVersion ?? ''} data-to={e.toVersion ?? ''}>
                    <td title={formatTime(e.time)} className="nowrap">
                      {formatRelative(e.time)}
                    </td>
                    <td>
                      <AliasBadge alias={e.alias} />
                    </td>
                    <td className="nowrap mono">
                      {e.fromVersion ? `v${e.fromVersion}` : '—'} → {e.toVersion ? `v${e.toVersion}` : 'removed'}
                    </td>
                    <td>
                      <Who identity={e.actorIdentity} display={e.actorDisplay} />
                    </td>
                    <td className="reason-cell">
                      {rollback && <span className="pill pill-warn">rollback</span>} {rollback ? e.reason.slice(ROLLBACK_MARK.length) : e.reason || <span className="muted">—</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {total > entries.length && (
            <ShowMore onMore={onMore}>Show older ({total - entries.length} more)</ShowMore>
          )}
        </div>
      )}
    </section>
  );
}
