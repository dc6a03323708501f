import { memo, useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { ColumnType, NumericStats } from '../../../../shared/datasets';
import '../../components/charts/charts.css';
import { linearTicks } from '../../components/charts/chart-scales';
import { useElementWidth } from '../../components/charts/use-element-width';
import { count, formatPercent, formatStat } from './dataset-bits';
import { histogramBins, type Bin } from './histogram-bins';

const HEIGHT = 150;
const MARGIN = { top: 6, right: 12, bottom: 0, left: 0 };
// Tick labels carry an inline fill, so the theme colour has to come in through the same prop.
const TICK_STYLE = { fill: 'var(--muted)', fontSize: 10.5 };

function BinTooltip({ active, payload, total }: { active?: boolean; payload?: ReadonlyArray<{ payload?: Bin }>; total: number }) {
  const bin = payload?.[0]?.payload;
  if (!active || !bin) return null;
  return (
    <div className="chart-tooltip histogram-tooltip">
      <div className="chart-tooltip-x">{bin.value !== undefined ? `= ${formatStat(bin.value)}` : `${formatStat(bin.lo)} – ${formatStat(bin.hi)}`}</div>
      <div className="chart-tooltip-row">
        <span className="chart-tooltip-value">{count.format(bin.count)}</span>
        <span className="muted">rows · {formatPercent(total > 0 ? bin.count / total : null)}</span>
      </div>
    </div>
  );
}

/**
 * The stored histogram drawn on a numeric axis, so bars sit where their values are and the median
 * and mean can be marked. The profiler stores a few dozen bins at most: no downsampling needed.
 */
export const NumericHistogram = memo(function NumericHistogram({ stats, type }: { stats: NumericStats; type: ColumnType }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const { bins, domain } = useMemo(() => histogramBins(stats, type), [stats, type]);
  const constant = stats.min === stats.max;
  // One bar per whole number reads as a bar chart: give the bars air. Bins of a range touch.
  const perValue = bins[0]?.value !== undefined;
  const ticks = useMemo(() => {
    const all = linearTicks(domain[0], domain[1], Math.max(2, Math.min(6, Math.floor(width / 70))));
    return type === 'integer' ? all.filter(Number.isInteger) : all;
  }, [domain, width, type]);

  return (
    <div ref={ref} className="histogram" data-testid="histogram" data-bins={bins.length} style={{ height: HEIGHT }}>
      {width > 0 && (
        <BarChart width={width} height={HEIGHT} data={bins} margin={MARGIN} barCategoryGap={perValue ? '18%' : 1}>
          <CartesianGrid vertical={false} />
          <XAxis dataKey="mid" type="number" domain={domain} ticks={ticks} tickFormatter={formatStat} tick={TICK_STYLE} tickLine={false} height={20} interval={0} />
          <YAxis width={40} tick={TICK_STYLE} tickLine={false} axisLine={false} allowDecimals={false} tickFormatter={(v: number) => formatStat(v)} />
          <Tooltip cursor={{ fill: 'var(--row-hover)' }} content={<BinTooltip total={stats.count} />} isAnimationActive={false} />
          <Bar dataKey="count" className="histogram-bar" isAnimationActive={false} />
          {!constant && <ReferenceLine x={stats.quantiles.p50} className="median-line" strokeDasharray="3 3" ifOverflow="hidden" />}
          {!constant && <ReferenceLine x={stats.mean} className="mean-line" ifOverflow="hidden" />}
        </BarChart>
      )}
    </div>
  );
});
