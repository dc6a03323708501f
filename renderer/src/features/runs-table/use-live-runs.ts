import { useEffect } from 'react';
import { onAppEvent } from '../../api/app-client';
import { refreshColumns, refreshVisible, useRunsData } from './runs-data-store';
import { throttleAsync } from './throttle';

/** At most two refetches a second however fast runs log; a trailing one always catches the last change. */
const ROWS_INTERVAL_MS = 500;
/** Listing every key is a scan of the experiment's runs, so new keys are looked for less often. */
const COLUMNS_INTERVAL_MS = 2000;

/** Keeps the shown experiment's table live: new runs appear, running runs' metrics and status update. */
export function useLiveRuns(experimentId: string): void {
  useEffect(() => {
    const rows = throttleAsync(refreshVisible, ROWS_INTERVAL_MS);
    const columns = throttleAsync(refreshColumns, COLUMNS_INTERVAL_MS);
    const off = onAppEvent(
      (event) => {
        if ((event.type !== 'run.changed' && event.type !== 'metrics.logged') || event.payload.experimentId !== experimentId) return;
        rows();
        const known = useRunsData.getState().available;
        // run.changed may carry new params or tags; metrics.logged names its keys, so only unseen ones count.
        if (event.type === 'run.changed' || !known || event.payload.keys.some((key) => !known.metrics.includes(key))) columns();
      },
      ['run.changed', 'metrics.logged'],
    );
    return () => {
      off();
      rows.cancel();
      columns.cancel();
    };
  }, [experimentId]);
}
