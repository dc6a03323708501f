import { useLayoutEffect, useRef, type RefObject } from 'react';
import { ROW_HEIGHT } from './run-row';
import type { RunsQuery } from './runs-data-store';
import { shiftRows } from './runs-ui-store';

/** Where the grid was when it unmounted (opening a run), to come back to the same rows. */
let saved: { experimentId: string; epoch: number; scrollTop: number } | null = null;

const newestFirst = (query: RunsQuery | null) => !query?.sort || (query.sort.column === 'attributes.start_time' && !query.sort.ascending);

/**
 * Scroll position rules of the runs grid:
 * - a new query (filter, sort) starts at the top;
 * - coming back from a run restores the position;
 * - while scrolled down a newest-first table, runs arriving on top push the view down by as many
 *   rows, so the rows being read stay put instead of sliding under the cursor.
 */
export function useGridScroll(
  ref: RefObject<HTMLDivElement | null>,
  experimentId: string,
  query: RunsQuery | null,
  total: number | null,
  epoch: number,
): () => void {
  const seen = useRef<{ epoch: number; query: RunsQuery | null; total: number | null } | null>(null);
  const scrollTop = useRef(0);

  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const previous = seen.current;
    if (!previous) {
      if (saved && saved.experimentId === experimentId && saved.epoch === epoch) element.scrollTop = saved.scrollTop;
    } else if (previous.epoch !== epoch) {
      element.scrollTop = 0;
    } else if (previous.query === query && previous.total !== null && total !== null && total > previous.total && newestFirst(query) && element.scrollTop > 0) {
      const added = total - previous.total;
      element.scrollTop += added * ROW_HEIGHT;
      shiftRows(added);
    }
    seen.current = { epoch, query, total };
  }, [ref, epoch, query, total]);

  useLayoutEffect(() => {
    return () => {
      saved = { experimentId, epoch: seen.current?.epoch ?? -1, scrollTop: scrollTop.current };
    };
  }, [experimentId]);

  return () => {
    scrollTop.current = ref.current?.scrollTop ?? 0;
  };
}
