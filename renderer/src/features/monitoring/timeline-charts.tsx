import { memo, useMemo, useState } from 'react';
import { niceLinearDomain } from '../../components/charts/chart-scales';
import { runColor } from '../../components/charts/run-colors';
import { useElementWidth } from '../../components/charts/use-element-width';
import { representativeIndices } from './downsample';
import { percent, type MonitoringOverview } from './monitoring-types';
import { TimelinePlot, type PlotAxis, type PlotSeries } from './timeline-plot';

/** Pixels per drawn point: a chart never gets more points than its width allows. */
const PX_PER_POINT = 5;
const SHARE_AXIS: PlotAxis = { domain: [0, 1], ticks: [0, 0.25, 0.5, 0.75, 1], format: percent };

interface ChartProps {
  overview: MonitoringOverview;
  selected: number | null;
  onSelect: (index: number) => void;
}

/** The windows drawn (at most one per PX_PER_POINT pixels, keeping the one that matters most in each bucket). */
function useDrawn(overview: MonitoringOverview, width: number, value: (index: number) => number | null, keep: 'max' | 'min') {
  return useMemo(() => {
    const indices = representativeIndices(overview.timeline.ids.length, width / PX_PER_POINT, value, keep);
    return { indices, x: indices.map((i) => overview.timeline.from[i]!) };
    // `value` reads only from `overview` (and the caller's metric, which changes the key).
  }, [overview, width, keep, value]);
}

const selectedTime = (overview: MonitoringOverview, selected: number | null) => (selected === null ? null : (overview.timeline.from[selected] ?? null));

export const DriftShareChart = memo(function DriftShareChart({ overview, selected, onSelect }: ChartProps) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const { timeline } = overview;
  const value = useMemo(() => (i: number) => timeline.driftShare[i] ?? null, [timeline]);
  const { indices, x } = useDrawn(overview, width, value, 'max');
  const series: PlotSeries[] = [
    {
      name: 'features drifted',
      kind: 'band',
      upper: indices.map(value),
      color: 'var(--warn)',
      connectNulls: true,
      readout: (p) => (value(indices[p]!) === null ? 'no verdict' : percent(value(indices[p]!)!)),
      className: 'timeline-area',
    },
    { name: 'share', kind: 'line', upper: indices.map(value), color: 'var(--warn)', connectNulls: true, readout: null, className: 'timeline-line' },
  ];
  return (
    <div ref={ref} className="timeline-chart" data-testid="drift-share-chart" data-points={indices.length}>
      {width > 0 && (
        <TimelinePlot
          width={width}
          height={180}
          x={x}
          left={SHARE_AXIS}
          series={series}
          lines={[{ y: overview.settings.datasetShare, color: 'var(--danger)', label: `dataset drift at ${percent(overview.settings.datasetShare)}`, labelAt: 'top-right' }]}
          selectedX={selectedTime(overview, selected)}
          onPick={(p) => onSelect(indices[p]!)}
        />
      )}
    </div>
  );
});

/** Shares of each predicted class (or value bin) per window, stacked, beside the reference's. */
export const PredictionChart = memo(function PredictionChart({ overview, selected, onSelect }: ChartProps) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const prediction = overview.prediction;
  const value = useMemo(() => (i: number) => prediction?.statistic[i] ?? null, [prediction]);
  const { indices, x } = useDrawn(overview, width, value, 'max');
  const series = useMemo((): PlotSeries[] => {
    if (!prediction) return [];
    const below = indices.map(() => 0 as number | null);
    return prediction.bins.map((bin, b) => {
      const lower = [...below];
      const upper = indices.map((i, k) => {
        const share = prediction.shares[i]?.[b] ?? null;
        if (share === null || below[k] === null) return (below[k] = null);
        return (below[k] = below[k]! + share);
      });
      return {
        name: bin,
        kind: 'band',
        lower,
        upper,
        color: runColor(b),
        fillOpacity: 0.55,
        readout: (p: number) => {
          const share = prediction.shares[indices[p]!]?.[b];
          return share == null ? null : percent(share);
        },
        className: 'timeline-area',
      };
    });
  }, [prediction, indices]);
  if (!prediction) return <p className="muted card-empty">No prediction drift was stored for these windows.</p>;
  return (
    <div ref={ref} className="timeline-chart" data-testid="prediction-chart" data-points={indices.length}>
      {width > 0 && <TimelinePlot width={width} height={180} x={x} left={SHARE_AXIS} series={series} selectedX={selectedTime(overview, selected)} onPick={(p) => onSelect(indices[p]!)} />}
      <p className="chart-legend muted">
        {prediction.bins.map((bin, b) => (
          <span key={bin}>
            <span className="legend-swatch" style={{ background: runColor(b) }} /> {bin} <span className="muted">(ref {percent(prediction.reference[b] ?? 0)})</span>
          </span>
        ))}
      </p>
    </div>
  );
});

/** Quality values are shares (accuracy, F1) or errors (RMSE): percent only for the former. */
const qualityFormat = (v: number) => (Math.abs(v) <= 1 ? percent(v) : String(Number(v.toPrecision(4))));

/**
 * Realised quality where labels came back; elsewhere CBPE's estimate (dashed) inside its band.
 * Label coverage shades the bottom on its own axis.
 */
export const QualityChart = memo(function QualityChart({ overview, selected, onSelect }: ChartProps) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const quality = overview.quality;
  const [metric, setMetric] = useState<string | null>(null);
  const shown = quality.series.find((s) => s.metric === metric) ?? quality.series.find((s) => s.metric === 'accuracy') ?? quality.series[0] ?? null;
  const value = useMemo(() => (i: number) => (shown ? (shown.realised[i] ?? shown.estimated[i] ?? null) : null), [shown]);
  const { indices, x } = useDrawn(overview, width, value, 'min');
  const plot = useMemo(() => {
    if (!shown) return null;
    const realised = indices.map((i) => shown.realised[i] ?? null);
    const estimated = indices.map((i, k) => (realised[k] === null ? (shown.estimated[i] ?? null) : null));
    const bandOk = (i: number, k: number) => estimated[k] !== null && shown.lower[i] != null && shown.upper[i] != null;
    const lower = indices.map((i, k) => (bandOk(i, k) ? shown.lower[i]! : null));
    const upper = indices.map((i, k) => (bandOk(i, k) ? shown.upper[i]! : null));
    const all = [...realised, ...estimated, ...lower, ...upper, shown.threshold].filter((v): v is number => v !== null);
    const { domain, ticks } = niceLinearDomain(all.length ? Math.min(...all) : 0, all.length ? Math.max(...all) : 1, 4);
    const series: PlotSeries[] = [
      { name: 'label coverage', kind: 'band', axis: 'right', upper: indices.map((i) => quality.labelCoverage[i] ?? null), color: 'var(--muted)', fillOpacity: 0.1, step: true, readout: (p) => percent(quality.labelCoverage[indices[p]!] ?? 0), className: 'timeline-coverage' },
      { name: 'estimate band', kind: 'band', lower, upper, color: 'var(--accent)', fillOpacity: 0.18, readout: (p) => (lower[p] === null ? null : `${qualityFormat(lower[p]!)} – ${qualityFormat(upper[p]!)}`), className: 'timeline-band' },
      { name: `${shown.metric} (realised)`, kind: 'line', upper: realised, color: 'var(--ok)', readout: (p) => (realised[p] === null ? null : qualityFormat(realised[p]!)), className: 'timeline-line' },
      { name: `${shown.metric} (estimated)`, kind: 'line', upper: estimated, color: 'var(--accent)', dashed: true, readout: (p) => (estimated[p] === null ? null : qualityFormat(estimated[p]!)), className: 'timeline-line' },
    ];
    return { series, left: { domain, ticks, format: qualityFormat } };
  }, [shown, indices, quality]);
  if (!shown || !plot) return <p className="muted card-empty">No quality yet: it appears once ground truth comes back (POST /v1/feedback with a request id), or as an estimate for classifiers.</p>;
  return (
    <div ref={ref} className="timeline-chart" data-testid="quality-chart" data-metric={shown.metric} data-points={indices.length}>
      {quality.series.length > 1 && (
        <label className="chart-picker">
          Metric{' '}
          <select value={shown.metric} onChange={(e) => setMetric(e.target.value)} aria-label="Quality metric">
            {quality.series.map((s) => (
              <option key={s.metric}>{s.metric}</option>
            ))}
          </select>
        </label>
      )}
      {width > 0 && (
        <TimelinePlot
          width={width}
          height={200}
          x={x}
          left={plot.left}
          right={SHARE_AXIS}
          series={plot.series}
          lines={shown.threshold === null ? [] : [{ y: shown.threshold, color: 'var(--danger)', label: `threshold ${qualityFormat(shown.threshold)}`, labelAt: 'bottom-left' }]}
          selectedX={selectedTime(overview, selected)}
          onPick={(p) => onSelect(indices[p]!)}
        />
      )}
      <p className="chart-legend muted">
        <span>
          <span className="legend-line legend-ok" /> realised
        </span>
        <span>
          <span className="legend-line legend-est" /> estimated (CBPE) with its band, where labels have not come back
        </span>
        <span>
          <span className="legend-swatch" style={{ background: 'var(--muted)', opacity: 0.3 }} /> label coverage (right axis)
        </span>
      </p>
    </div>
  );
});
