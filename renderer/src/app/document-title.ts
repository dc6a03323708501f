import { useEffect } from 'react';

export const APP_TITLE = 'MLDesk';

/** "churn · Models · MLDesk": the page's own name first, so tabs and window lists tell pages apart. */
export function documentTitle(...parts: Array<string | null | undefined>): string {
  return [...parts.filter((part): part is string => !!part), APP_TITLE].join(' · ');
}

/** Sets the window title while the page is shown; nothing before the name is known (the parts are undefined). */
export function useDocumentTitle(...parts: Array<string | null | undefined>): void {
  const title = parts.some((part) => part === undefined) ? null : documentTitle(...parts);
  useEffect(() => {
    if (title === null) return;
    document.title = title;
    return () => {
      document.title = APP_TITLE;
    };
  }, [title]);
}
