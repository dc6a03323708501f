import { useEffect, useState } from 'react';
import type { Alert } from '../../../../shared/alerts';
import { call, onAppEvent } from '../../api/app-client';

/** The firing alerts by model, refetched when an alert fires or resolves (alerts.changed). */
export function useFiringAlerts(): Map<string, Alert[]> {
  const [byModel, setByModel] = useState<Map<string, Alert[]>>(new Map());
  useEffect(() => {
    let live = true;
    const load = () =>
      call('alerts.list', { state: 'firing', limit: 1000 }).then(
        ({ alerts }) => {
          if (!live) return;
          const next = new Map<string, Alert[]>();
          for (const alert of alerts) next.set(alert.model, [...(next.get(alert.model) ?? []), alert]);
          setByModel(next);
        },
        // A badge that cannot load leaves the list as it was; the list itself reports its own errors.
        () => undefined,
      );
    void load();
    const off = onAppEvent(() => void load(), ['alerts.changed']);
    return () => {
      live = false;
      off();
    };
  }, []);
  return byModel;
}
