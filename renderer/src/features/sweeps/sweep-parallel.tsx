import { useMemo } from 'react';
import type { SweepDetail } from '../../../../shared/app-api/sweeps';
import { useElementWidth } from '../../components/charts/use-element-width';
import { formatMetric } from '../../components/format';
import { formatParam } from './sweep-badges';

const HEIGHT = 300;
const PAD = { top: 36, bottom: 24, left: 56, right: 72 };
/** More lines than this turn into a smear: the best ones are kept, the rest evenly thinned. */
const MAX_LINES = 150;

type Trial = SweepDetail['trials'][number];
interface Axis {
  key: string;
  label: string;
  position: (value: string | number | boolean | null | undefined) => number | null;
  ticks: Array<{ label: string; at: number }>;
}

function numericAxis(key: string, label: string, values: number[], log: boolean): Axis {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const useLog = log && min > 0;
  const f = (v: number) => (useLog ? Math.log10(v) : v);
  const span = f(max) - f(min);
  const position = (value: string | number | boolean | null | undefined) => {
    const v = typeof value === 'number' ? value : Number(value);
    if (value === null || value === undefined || !Number.isFinite(v)) return null;
    return span === 0 ? 0.5 : (f(v) - f(min)) / span;
  };
  const ticks = min === max ? [{ label: formatMetric(min), at: 0.5 }] : [{ label: formatMetric(min), at: 0 }, { label: formatMetric(max), at: 1 }];
  return { key, label, position, ticks };
}

function categoricalAxis(key: string, values: string[]): Axis {
  const categories = [...new Set(values)].sort();
  const at = (index: number) => (categories.length === 1 ? 0.5 : index / (categories.length - 1));
  return {
    key,
    label: key,
    position: (value) => {
      const index = categories.indexOf(String(value));
      return index < 0 ? null : at(index);
    },
    ticks: categories.map((category, index) => ({ label: category, at: at(index) })),
  };
}

/** Trials to draw: every one when few, else the best third of the budget plus an even sample of the rest. */
export function linesToDraw(trials: Trial[], goal: 'minimize' | 'maximize', max = MAX_LINES): Trial[] {
  const withValue = trials.filter((trial) => trial.value !== null);
  if (withValue.length <= max) return withValue;
  const sorted = [...withValue].sort((a, b) => (goal === 'minimize' ? a.value! - b.value! : b.value! - a.value!));
  const best = sorted.slice(0, Math.floor(max / 3));
  const rest = sorted.slice(best.length);
  const stride = rest.length / (max - best.length);
  return [...best, ...Array.from({ length: max - best.length }, (_, index) => rest[Math.floor(index * stride)]!)];
}

/** Good values green, bad ones orange-red, by rank, readable on both themes. */
function colourOf(rank: number): string {
  return `hsl(${Math.round(145 - rank * 125)} 70% 45%)`;
}

/** One axis per parameter and one for the metric; one line per trial coloured by its metric value (pruned trials dashed, at their last value). */
export function SweepParallelCoordinates({ sweep }: { sweep: SweepDetail }) {
  const [ref, width] = useElementWidth<HTMLDivElement>(0);
  const { axes, lines } = useMemo(() => {
    const drawn = linesToDraw(sweep.trials, sweep.metric.goal);
    const params = Object.keys(sweep.spec.parameters);
    const axes: Axis[] = params.map((key) => {
      const values = drawn.map((trial) => trial.parameters[key]).filter((value) => value !== undefined);
      const parameter = sweep.spec.parameters[key]!;
      const log = 'distribution' in parameter && parameter.distribution === 'log_uniform_values';
      return values.every((value) => typeof value === 'number') && values.length > 0 ? numericAxis(key, key, values as number[], log) : categoricalAxis(key, values.map(String));
    });
    const metricValues = drawn.map((trial) => trial.value!);
    if (metricValues.length > 0) axes.push(numericAxis('__metric', sweep.metric.name, metricValues, false));
    const order = [...drawn].sort((a, b) => (sweep.metric.goal === 'minimize' ? a.value! - b.value! : b.value! - a.value!));
    const rankOf = new Map(order.map((trial, index) => [trial.number, order.length > 1 ? index / (order.length - 1) : 0]));
    // Worst first, so the best lines are drawn last, on top.
    const lines = [...drawn].sort((a, b) => rankOf.get(b.number)! - rankOf.get(a.number)!).map((trial) => ({ trial, colour: colourOf(rankOf.get(trial.number)!) }));
    return { axes, lines };
  }, [sweep]);

  const innerWidth = Math.max(0, width - PAD.left - PAD.right);
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (axes.length === 1 ? innerWidth / 2 : (index * innerWidth) / (axes.length - 1));
  // Better values at the top of the metric axis, whichever the goal.
  const y = (axis: Axis, at: number) => PAD.top + (axis.key === '__metric' && sweep.metric.goal === 'maximize' ? 1 - at : at) * innerHeight;

  return (
    <div ref={ref} className="sweep-parallel" data-testid="sweep-parallel" data-lines={lines.length}>
      {lines.length === 0 ? (
        <p className="muted chart-empty">Lines appear as trials report {sweep.metric.name}.</p>
      ) : (
        width > 0 && (
          <svg width={width} height={HEIGHT} role="img" aria-label={`Parallel coordinates of ${lines.length} trials, coloured by ${sweep.metric.name}`}>
            {lines.map(({ trial, colour }) => {
              const points = axes.map((axis, index) => {
                const at = axis.key === '__metric' ? axis.position(trial.value) : axis.position(trial.parameters[axis.key]);
                return at === null ? null : `${x(index)},${y(axis, at)}`;
              });
              if (points.some((point) => point === null)) return null;
              return (
                <polyline key={trial.number} points={points.join(' ')} fill="none" stroke={colour} strokeWidth={trial.number === sweep.bestTrial ? 3 : 1.5} strokeOpacity={trial.state === 'completed' ? 0.9 : 0.45} strokeDasharray={trial.state === 'completed' ? undefined : '4 3'}>
                  <title>{`trial ${trial.number} (${trial.state}): ${sweep.metric.name} ${formatMetric(trial.value!)}`}</title>
                </polyline>
              );
            })}
            {axes.map((axis, index) => (
              <g key={axis.key} className="pc-axis">
                <line x1={x(index)} x2={x(index)} y1={PAD.top} y2={PAD.top + innerHeight} />
                <text className="pc-axis-label" x={x(index)} y={PAD.top - 18} textAnchor="middle">
                  {axis.label}
                </text>
                {axis.ticks.map((tick) => (
                  <text key={`${tick.label}-${tick.at}`} className="pc-tick" x={x(index) - 6} y={y(axis, tick.at) + 4} textAnchor="end">
                    {formatParam(tick.label)}
                  </text>
                ))}
              </g>
            ))}
          </svg>
        )
      )}
    </div>
  );
}
