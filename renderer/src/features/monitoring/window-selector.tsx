import { windowTime, type MonitoringOverview } from './monitoring-types';

/** Picks the window the heat map, distributions and lineage show: a slider over all windows, with steps. */
export function WindowSelector({ timeline, selected, onSelect, truncated, windowCount }: { timeline: MonitoringOverview['timeline']; selected: number; onSelect: (index: number) => void; truncated: boolean; windowCount: number }) {
  const total = timeline.ids.length;
  const drift = timeline.datasetDrift[selected];
  return (
    <div className="window-selector" data-testid="window-selector">
      <button type="button" className="btn btn-small" disabled={selected === 0} onClick={() => onSelect(selected - 1)} aria-label="Previous window">
        ‹
      </button>
      <input type="range" min={0} max={total - 1} value={selected} onChange={(e) => onSelect(Number(e.target.value))} aria-label="Window" />
      <button type="button" className="btn btn-small" disabled={selected === total - 1} onClick={() => onSelect(selected + 1)} aria-label="Next window">
        ›
      </button>
      <span className="window-summary" data-testid="window-summary">
        <strong>Window {timeline.ids[selected]}</strong> ({(selected + 1).toLocaleString('en-US')} of {total.toLocaleString('en-US')}) · {windowTime(timeline.from[selected]!)} – {windowTime(timeline.to[selected]!)} ·{' '}
        {timeline.rows[selected]!.toLocaleString('en-US')} rows · {timeline.labelled[selected]!.toLocaleString('en-US')} labelled
        {!timeline.complete[selected] && ' · still filling'}
        {drift !== null && drift !== undefined && <span className={`verdict verdict-${drift ? 'drift' : 'ok'}`}>{drift ? 'dataset drift' : 'no dataset drift'}</span>}
      </span>
      {truncated && <span className="muted">newest {total.toLocaleString('en-US')} of {windowCount.toLocaleString('en-US')} windows</span>}
    </div>
  );
}
