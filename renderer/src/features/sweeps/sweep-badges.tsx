import type { SweepTrialState } from '../../../../shared/automation';

/** A trial's or sweep's state as a coloured pill (the colour is never the only cue: the word is there). */
export function StateBadge({ state }: { state: SweepTrialState | 'finished' }) {
  return <span className={`sweep-state sweep-state-${state}`}>{state}</span>;
}

export function formatParam(value: string | number | boolean | undefined): string {
  if (value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : Number(value.toPrecision(4)).toString();
  return String(value);
}
