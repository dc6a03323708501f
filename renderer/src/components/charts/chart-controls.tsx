import { X_AXES } from '../../../../shared/app-api/entities';
import type { ChartOptions } from './chart-options';
import { X_AXIS_LABELS } from './chart-scales';
import './charts.css';

/** The x-axis mode, smoothing and log-scale controls shared by every chart on a page. */
export function ChartControls({ options, onChange }: { options: ChartOptions; onChange(patch: Partial<ChartOptions>): void }) {
  return (
    <div className="chart-controls" role="toolbar" aria-label="Chart options">
      <div className="segmented" role="radiogroup" aria-label="X-axis">
        {X_AXES.map((mode) => (
          <button
            key={mode}
            type="button"
            role="radio"
            aria-checked={options.xAxis === mode}
            className={options.xAxis === mode ? 'selected' : ''}
            onClick={() => onChange({ xAxis: mode })}
          >
            {X_AXIS_LABELS[mode]}
          </button>
        ))}
      </div>
      <label className="smoothing-control">
        <span>Smoothing</span>
        <input
          type="range"
          aria-label="Smoothing"
          min={0}
          max={0.99}
          step={0.01}
          value={options.smoothing}
          onChange={(event) => onChange({ smoothing: Number(event.target.value) })}
        />
        <output className="mono">{options.smoothing.toFixed(2)}</output>
      </label>
      <label className="toggle">
        <input type="checkbox" checked={options.logScale} onChange={(event) => onChange({ logScale: event.target.checked })} />
        <span>Log scale</span>
      </label>
    </div>
  );
}
