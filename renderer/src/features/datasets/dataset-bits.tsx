import { useState } from 'react';
import type { ColumnType } from '../../../../shared/datasets';

/** Small pieces the dataset pages and the New run form share. */

const TYPE_TITLES: Record<ColumnType, string> = {
  numeric: 'Numbers (floating point)',
  integer: 'Whole numbers',
  boolean: 'true / false',
  categorical: 'A few distinct labels',
  text: 'Free text (not used as a feature)',
};

export function TypeBadge({ type }: { type: ColumnType }) {
  return (
    <span className={`type-badge type-${type}`} title={TYPE_TITLES[type]} data-type={type}>
      {type}
    </span>
  );
}

export const count = new Intl.NumberFormat('en-US');

/** Percentages that keep small non-zero shares visible: 0.04 % rather than 0 %. */
export function formatPercent(fraction: number | null): string {
  if (fraction === null || !Number.isFinite(fraction)) return '—';
  const pct = fraction * 100;
  if (pct === 0) return '0%';
  if (pct < 0.1) return '<0.1%';
  return `${pct < 10 ? pct.toFixed(1) : Math.round(pct)}%`;
}

/** Statistics with 4 significant digits, large and tiny values in exponent form. */
export function formatStat(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) >= 1e7 || Math.abs(value) < 1e-4)) return value.toExponential(2);
  return Number(value.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

export function shortSha(sha256: string): string {
  return sha256.slice(0, 12);
}

/** A value with a one-click copy; the full text stays selectable if the clipboard is refused. */
export function CopyText({ text, shown, label }: { text: string; shown?: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      window.setTimeout(() => setCopied(false), 1400);
    } catch {
      // No clipboard permission: the value is still on screen to select.
    }
  };
  return (
    <span className="copy-text">
      <span className="mono" title={text}>
        {shown ?? text}
      </span>
      <button type="button" className="btn btn-small btn-ghost copy-button" aria-label={`Copy ${label}`} onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </span>
  );
}
