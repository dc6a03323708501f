/** Small stroke icons (16px, currentColor) used by the runs table's toolbar and header. */
const PATHS = {
  filter: 'M2.5 3.5h11l-4.25 5v4l-2.5 1.25V8.5z',
  columns: 'M2.5 3h11v10h-11zM6.17 3v10M9.83 3v10',
  compare: 'M2 13.5 5.5 8l3 3 5.5-7.5M2 2.5v11h12',
  close: 'M4 4l8 8M12 4l-8 8',
  up: 'M8 13V3.5M4 7.5l4-4 4 4',
  down: 'M8 3v9.5M4 8.5l4 4 4-4',
  copy: 'M5.5 5.5h7v8h-7zM3.5 10.5v-8h7',
  chevron: 'M4 6l4 4 4-4',
  download: 'M8 2.5v8M4.5 7 8 10.5 11.5 7M3 13.5h10',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 16 }: { name: IconName; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <path d={PATHS[name]} />
    </svg>
  );
}
