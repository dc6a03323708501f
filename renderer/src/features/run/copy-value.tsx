import { useEffect, useState } from 'react';
import { shortHash } from './lineage-format';

/** Copies `value`; says so for a moment, or says why not (a browser without clipboard access). */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = window.setTimeout(() => setState('idle'), 1400);
    return () => window.clearTimeout(timer);
  }, [state]);
  const copy = () => {
    const clipboard = navigator.clipboard;
    if (!clipboard) return setState('failed');
    clipboard.writeText(value).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  return (
    <button type="button" className={`copy-button copy-${state}`} aria-label={label} title={state === 'failed' ? 'Copy failed: select the value instead' : label} onClick={copy}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}
    </button>
  );
}

/** A long hash shown by its prefix (the full value on hover and in the clipboard). */
export function Hash({ value, label }: { value: string; label: string }) {
  return (
    <span className="hash">
      <code className="mono" title={value} data-full={value}>
        {shortHash(value)}
      </code>
      <CopyButton value={value} label={label} />
    </span>
  );
}
