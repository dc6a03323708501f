import { useEffect, useRef } from 'react';
import type { AppEvent } from '../../../../shared/app-api/events';
import { onAppEvent } from '../../api/app-client';

/**
 * Calls `refresh` when a registry change or a deployment change arrives. Events are coalesced on the
 * server and name one model at best, so any change refetches: the list is small and the page cheap.
 */
export function useLiveModels(name: string | null, refresh: (event: AppEvent) => void): void {
  const handler = useRef(refresh);
  useEffect(() => {
    handler.current = refresh;
  });
  useEffect(() => onAppEvent((event) => handler.current(event), ['models.changed', 'deployments.changed']), [name]);
}
