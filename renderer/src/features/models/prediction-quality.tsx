import { useMemo, type CSSProperties } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { PredictionQuality as Quality } from '../../../../shared/app-api/predictions';
import { runColor } from '../../components/charts/run-colors';
import { useElementWidth } from '../../components/charts/use-element-width';
import { formatTime } from '../../components/format';

const versionColor = (version: string) => runColor(Number(version) - 1);
const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/** Rows: the truth; columns: what the model said. The diagonal is right; shade grows with the share of the row. */
function ConfusionMatrix({ classes, matrix }: { classes: string[]; matrix: number[][] }) {
  return (
    <div className="confusion" data-testid="confusion-matrix">
      <table className="confusion-table" aria-label="Confusion matrix (rows: ground truth, columns: prediction)">
        <thead>
          <tr>
            <th scope="col" className="confusion-corner">
              truth ↓ / predicted →
            </th>
            {classes.map((name) => (
              <th key={name} scope="col" title={name}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => {
            const total = row.reduce((a, b) => a + b, 0);
            return (
              <tr key={classes[i]}>
                <th scope="row" title={classes[i]}>
                  {classes[i]}
                </th>
                {row.map((count, j) => {
                  const share = total ? count / total : 0;
                  return (
                    <td
                      key={classes[j]}
                      className={i === j ? 'diagonal' : count > 0 ? 'off' : undefined}
                      style={{ '--share': share.toFixed(3) } as CSSProperties}
                      title={`truth ${classes[i]}, predicted ${classes[j]}: ${count} (${percent(share)} of ${classes[i]})`}
                    >
                      {count}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Accuracy (or MAE) per time bucket and version, with each version's validation figure as a dashed line. */
function Trend({ quality, classifier }: { quality: Quality; classifier: boolean }) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const versions = useMemo(() => [...new Set(quality.trend.points.map((p) => p.version))], [quality]);
  const data = useMemo(() => {
    const byStart = new Map<number, Record<string, number>>();
    for (const point of quality.trend.points) {
      const value = classifier ? point.accuracy : point.mae;
      if (value === null) continue;
      const row = byStart.get(point.start) ?? { start: point.start };
      row[`v${point.version}`] = value;
      byStart.set(point.start, row);
    }
    return [...byStart.values()];
  }, [quality, classifier]);
  const metric = classifier ? 'val_accuracy' : 'val_mae';
  const references = quality.validation.filter((v) => v.metric === metric && versions.includes(v.version));
  return (
    <div className="quality-trend" ref={ref} data-testid="quality-trend">
      {width > 0 && (
        <LineChart width={width} height={170} data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="start" type="number" domain={['dataMin', 'dataMax']} scale="time" tickFormatter={(ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })} tick={{ fill: 'var(--muted)', fontSize: 11 }} minTickGap={28} />
          <YAxis width={48} domain={classifier ? [0, 1] : ['auto', 'auto']} tickFormatter={(v: number) => (classifier ? `${Math.round(v * 100)}%` : v.toPrecision(2))} tick={{ fill: 'var(--muted)', fontSize: 11 }} />
          <Tooltip
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 6, fontSize: 12 }}
            labelFormatter={(ms) => formatTime(Number(ms))}
            formatter={(value) => (classifier ? percent(Number(value)) : Number(value).toPrecision(4))}
          />
          {references.map((v) => (
            <ReferenceLine key={v.version} y={v.value} stroke={versionColor(v.version)} strokeDasharray="5 4" ifOverflow="extendDomain" />
          ))}
          {versions.map((v) => (
            <Line key={v} dataKey={`v${v}`} name={`v${v}`} stroke={versionColor(v)} strokeWidth={2} dot={data.length < 3} connectNulls isAnimationActive={false} />
          ))}
        </LineChart>
      )}
    </div>
  );
}

/**
 * Live quality beside the single "% right": where the model is wrong (confusion matrix), how its
 * accuracy moves over time, and what each version reached on its validation split when trained.
 */
export function PredictionQualityPanel({ quality }: { quality: Quality }) {
  const classifier = quality.classes.length > 0;
  if (quality.labelled === 0) {
    return (
      <p className="muted quality-none" data-testid="prediction-quality">
        Quality appears once ground truth comes back (POST /v1/feedback with a request id).
      </p>
    );
  }
  const versions = [...new Set(quality.trend.points.map((p) => p.version))];
  const metric = classifier ? 'val_accuracy' : 'val_mae';
  return (
    <div className="prediction-quality" data-testid="prediction-quality">
      {classifier && (
        <section>
          <h3>Confusion matrix</h3>
          <ConfusionMatrix classes={quality.classes} matrix={quality.matrix} />
        </section>
      )}
      <section>
        <h3>{classifier ? 'Accuracy over time' : 'Mean absolute error over time'}</h3>
        <Trend quality={quality} classifier={classifier} />
        <ul className="quality-legend" aria-label="Live against validation">
          {versions.map((version) => {
            const points = quality.trend.points.filter((p) => p.version === version);
            const count = points.reduce((sum, p) => sum + p.count, 0);
            const live = points.reduce((sum, p) => sum + (classifier ? (p.accuracy ?? 0) : (p.mae ?? 0)) * p.count, 0) / (count || 1);
            const validation = quality.validation.find((v) => v.version === version && v.metric === metric);
            const format = (value: number) => (classifier ? percent(value) : value.toPrecision(3));
            return (
              <li key={version} data-version={version}>
                <span className="version-swatch" style={{ background: versionColor(version) }} />
                <strong>v{version}</strong> live {format(live)} <span className="muted">({count.toLocaleString()} with truth)</span>
                {' · '}
                {validation ? (
                  <span>
                    validation {format(validation.value)} <span className="muted">(dashed)</span>
                  </span>
                ) : (
                  <span className="muted">no {metric} logged by its run</span>
                )}
              </li>
            );
          })}
        </ul>
      </section>
    </div>
  );
}
