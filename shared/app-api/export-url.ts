import type { ExportQueries } from './exports.js';

/** The download link of a CSV export, relative to the UI's address (no zod here: the runs table's toolbar loads with the first page). */
export function exportUrl<K extends keyof ExportQueries>(kind: K, query: ExportQueries[K]): string {
  return `app-files/exports/${kind}.csv?q=${encodeURIComponent(JSON.stringify(query))}`;
}
