import { useMemo } from 'react';
import { Area, Bar, CartesianGrid, ComposedChart, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { ColumnDrift } from '../../../../shared/monitoring';
import { useElementWidth } from '../../components/charts/use-element-width';
import { driftRule, formatStat, isTest, verdictText } from './drift-rule';
import { columnLabel, percent, windowTime, type MonitoringCellResult } from './monitoring-types';

const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 6, fontSize: 12, color: 'var(--text)' };

function shares(counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/** Pixels a bin label ("12.3–14.5") takes with its gap. */
const PX_PER_BIN_LABEL = 64;
const NO_GRID_COLUMNS = () => [];

/** Reference and current on the same bins, each as shares of its own rows (the two differ in size). */
function DistributionChart({ drift }: { drift: ColumnDrift }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const d = drift.distributions;
  const data = useMemo(() => {
    if (!d) return [];
    const reference = shares(d.reference);
    const current = shares(d.current);
    if (d.kind === 'categories') return d.categories.map((name, i) => ({ bin: name, reference: reference[i] ?? 0, current: current[i] ?? 0 }));
    return d.edges.slice(0, -1).map((edge, i) => ({ bin: `${formatStat(edge)}–${formatStat(d.edges[i + 1]!)}`, reference: reference[i] ?? 0, current: current[i] ?? 0 }));
  }, [d]);
  if (!d) return <p className="muted">No distributions were stored with this statistic.</p>;
  return (
    <div ref={ref} className="distribution-chart" data-testid="distribution-chart" data-kind={d.kind}>
      {width > 0 && (
        <ComposedChart width={width} height={220} data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }} barCategoryGap={d.kind === 'histogram' ? 1 : '20%'}>
          <CartesianGrid vertical={false} stroke="var(--chart-grid)" verticalCoordinatesGenerator={NO_GRID_COLUMNS} />
          {/* Every k-th label by arithmetic, not by recharts measuring each label in the DOM. */}
          <XAxis dataKey="bin" tick={{ fill: 'var(--muted)', fontSize: 10 }} interval={Math.max(0, Math.ceil(data.length / Math.max(1, Math.floor(width / PX_PER_BIN_LABEL))) - 1)} />
          <YAxis width={44} interval={0} tickFormatter={(v: number) => percent(v)} tick={{ fill: 'var(--muted)', fontSize: 11 }} />
          <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v) => percent(Number(v))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {d.kind === 'histogram' ? (
            <>
              <Bar dataKey="current" name="current window" fill="var(--accent)" fillOpacity={0.75} isAnimationActive={false} />
              <Area dataKey="reference" name="reference" type="step" stroke="var(--muted)" strokeWidth={2} fill="var(--muted)" fillOpacity={0.15} isAnimationActive={false} />
            </>
          ) : (
            <>
              <Bar dataKey="reference" name="reference" fill="var(--muted)" fillOpacity={0.55} isAnimationActive={false} />
              <Bar dataKey="current" name="current window" fill="var(--accent)" isAnimationActive={false} />
            </>
          )}
        </ComposedChart>
      )}
    </div>
  );
}

/** One feature in one window: both distributions overlaid, and the verdict with the rule that made it. */
export function DriftDetail({ cell }: { cell: MonitoringCellResult }) {
  const { drift, window } = cell;
  const verdictClass = drift.drifted === null ? 'none' : drift.drifted ? 'drift' : 'ok';
  return (
    <div className="drift-detail" data-testid="drift-detail" data-column={drift.column} data-window={window.id}>
      <div className="drift-detail-head">
        <h3>
          {columnLabel(drift.column)} <span className="muted">· window {window.id}</span>
        </h3>
        <span className={`verdict verdict-${verdictClass}`} data-testid="drift-verdict">
          {verdictText(drift)}
        </span>
      </div>
      <p className="drift-rule" data-testid="drift-rule">
        {driftRule(drift)}
      </p>
      <DistributionChart drift={drift} />
      <dl className="drift-facts">
        <div>
          <dt>Test</dt>
          <dd>{drift.method}</dd>
        </div>
        <div>
          <dt>Statistic</dt>
          <dd>{formatStat(drift.statistic)}</dd>
        </div>
        <div>
          <dt>Threshold</dt>
          <dd>{isTest(drift.method) ? `p < ${drift.threshold}` : `≥ ${drift.threshold}`}</dd>
        </div>
        <div>
          <dt>p-value</dt>
          <dd>{formatStat(drift.pValue)}</dd>
        </div>
        <div>
          <dt>PSI</dt>
          <dd>{formatStat(drift.psi)}</dd>
        </div>
        <div>
          <dt>Effect size</dt>
          <dd title={drift.effectSize?.name}>{drift.effectSize ? `${formatStat(drift.effectSize.value)} (${drift.effectSize.magnitude})` : '—'}</dd>
        </div>
        <div>
          <dt>Null rate</dt>
          <dd>
            {percent(drift.nullRate.reference)} → {percent(drift.nullRate.current)}
          </dd>
        </div>
        <div>
          <dt>Rows</dt>
          <dd>
            {drift.referenceRows.toLocaleString('en-US')} ref · {drift.currentRows.toLocaleString('en-US')} now
          </dd>
        </div>
      </dl>
      <p className="muted drift-window">
        Window {window.id}: {windowTime(window.from)} – {windowTime(window.to)} · {window.rows.toLocaleString('en-US')} rows · compared with {window.referenceDataset ?? 'the reference'}
        {window.referenceSha256 ? ` (${window.referenceSha256.slice(0, 12)})` : ''}
      </p>
    </div>
  );
}
