import { useLayoutEffect, useRef, useState, type RefObject } from 'react';

/**
 * The element's content width in CSS pixels: measured before the first paint (so the first data
 * request already knows it), then followed with a ResizeObserver. While the user drags a window
 * edge the reported width settles for `settleMs` before changing, so a resize costs one refetch.
 */
export function useElementWidth<T extends HTMLElement>(settleMs = 200): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(Math.floor(element.getBoundingClientRect().width));
    let timer: number | undefined;
    const observer = new ResizeObserver((entries) => {
      const next = Math.floor(entries[entries.length - 1]!.contentRect.width);
      window.clearTimeout(timer);
      timer = window.setTimeout(() => setWidth(next), settleMs);
    });
    observer.observe(element);
    return () => {
      window.clearTimeout(timer);
      observer.disconnect();
    };
  }, [settleMs]);
  return [ref, width];
}
