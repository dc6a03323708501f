import { useEffect, useState } from 'react';
import type { AppEvents } from '../../../../shared/app-api/events';
import { onAppEvent } from '../../api/app-client';
import { routeHref } from '../../app/router';
import './alerts.css';

type Toast = AppEvents['alerts.changed'] & { key: number };

/** Shown at most at once: a storm of alerts should not cover the page. */
const MAX_TOASTS = 4;
const FIRING_MS = 20_000;
const RESOLVED_MS = 8_000;

let nextKey = 1;

/** A notification for every alert that fires or resolves while the app is open, wherever the user is. */
export function AlertToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  useEffect(
    () =>
      onAppEvent(
        (event) => {
          if (event.type !== 'alerts.changed') return;
          const toast = { ...event.payload, key: nextKey++ };
          setToasts((current) => [...current.filter((t) => t.id !== toast.id), toast].slice(-MAX_TOASTS));
          window.setTimeout(() => setToasts((current) => current.filter((t) => t.key !== toast.key)), toast.state === 'firing' ? FIRING_MS : RESOLVED_MS);
        },
        ['alerts.changed'],
      ),
    [],
  );
  if (toasts.length === 0) return null;
  return (
    <div className="alert-toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.key} className={`alert-toast alert-toast-${t.state}`} role={t.state === 'firing' ? 'alert' : 'status'} data-testid="alert-toast" data-state={t.state}>
          <div className="alert-toast-body">
            <strong>{t.state === 'firing' ? `Alert firing · ${t.model}` : `Alert resolved · ${t.model}`}</strong>
            <p>{t.message}</p>
            <a href={`${routeHref({ view: 'model', name: t.model })}?${t.version ? `version=${encodeURIComponent(t.version)}&` : ''}tab=monitoring`} onClick={() => setToasts((c) => c.filter((x) => x.key !== t.key))}>
              Open monitoring
            </a>
          </div>
          <button type="button" className="alert-toast-close" aria-label="Dismiss" onClick={() => setToasts((c) => c.filter((x) => x.key !== t.key))}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
