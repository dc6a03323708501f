import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { SweepDetail } from '../../../../shared/app-api/sweeps';
import '../../components/charts/charts.css';
import { useElementWidth } from '../../components/charts/use-element-width';
import { formatMetric } from '../../components/format';

const HEIGHT = 220;
const TICK_STYLE = { fill: 'var(--muted)', fontSize: 11 };

/** The best completed value after each completed trial: flat stretches are trials that did not beat it. */
export function BestSoFarChart({ sweep }: { sweep: SweepDetail }) {
  const [ref, width] = useElementWidth<HTMLDivElement>(0);
  // One point per completed trial; sweeps stay within thousands of trials, far below a pixel per point once past the width.
  const data = sweep.bestSoFar.map((point, index) => ({ ...point, index: index + 1 }));
  return (
    <div ref={ref} className="sweep-best-chart" data-testid="sweep-best-chart" data-points={data.length} style={{ height: HEIGHT }}>
      {data.length === 0 ? (
        <p className="muted chart-empty">No trial has completed yet.</p>
      ) : (
        width > 0 && (
          <LineChart width={width} height={HEIGHT} data={data} margin={{ top: 8, right: 16, bottom: 4, left: 4 }}>
            <CartesianGrid stroke="var(--chart-grid)" vertical={false} />
            <XAxis dataKey="index" tick={TICK_STYLE} tickLine={false} height={22} label={{ value: 'completed trials', position: 'insideBottomRight', offset: -2, fill: 'var(--muted)', fontSize: 11 }} />
            <YAxis width={56} tick={TICK_STYLE} tickLine={false} axisLine={false} tickFormatter={(v: number) => formatMetric(v)} domain={['auto', 'auto']} />
            <Tooltip
              isAnimationActive={false}
              contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' }}
              formatter={(value, name) => [formatMetric(Number(value)), name === 'best' ? `best ${sweep.metric.name}` : `trial's ${sweep.metric.name}`]}
              labelFormatter={(label, payload) => `after ${String(label)} completed (trial ${String(payload?.[0]?.payload?.trial ?? '')})`}
            />
            <Line type="monotone" dataKey="value" stroke="var(--muted)" strokeWidth={0} dot={{ r: 2.5, fill: 'var(--muted)' }} isAnimationActive={false} />
            <Line type="stepAfter" dataKey="best" stroke="var(--accent)" strokeWidth={2} dot={false} isAnimationActive={false} />
          </LineChart>
        )
      )}
    </div>
  );
}

/** |Spearman| (numeric) or η (categorical) of each parameter with the metric, as bars. */
export function ParameterImportance({ sweep }: { sweep: SweepDetail }) {
  const rows = [...sweep.importance].sort((a, b) => (b.importance ?? -1) - (a.importance ?? -1));
  return (
    <div className="sweep-importance" data-testid="sweep-importance">
      {rows.map((row) => (
        <div key={row.parameter} className="importance-row" data-parameter={row.parameter}>
          <span className="importance-name">{row.parameter}</span>
          <span className="importance-bar" aria-hidden="true">
            <span style={{ width: `${Math.round((row.importance ?? 0) * 100)}%` }} />
          </span>
          <span className="importance-value">{row.importance === null ? '—' : row.importance.toFixed(2)}</span>
        </div>
      ))}
      <p className="muted importance-note">
        {rows[0]?.trials && rows[0].trials >= 3
          ? `Over ${rows[0].trials} completed trials: |Spearman rank correlation| with ${sweep.metric.name} for numeric parameters, the correlation ratio η for categorical ones.`
          : 'Needs at least 3 completed trials.'}
      </p>
    </div>
  );
}
