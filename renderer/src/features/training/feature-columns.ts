import { ID_COLUMN_MIN_ROWS, type ColumnSchema, type DatasetVersion } from '../../../../shared/datasets';

/**
 * The columns training will learn from, read off the dataset's profile with the rules training
 * applies (preprocessing.ts): free text is left out, and so is an integer column whose filled
 * values all differ (an id) unless the user keeps such columns. The run is the authority; this
 * only says it beforehand.
 */
export function featureColumns(version: DatasetVersion, target: string, keepIdColumns: boolean): { features: ColumnSchema[]; text: ColumnSchema[]; ids: ColumnSchema[] } {
  const features: ColumnSchema[] = [];
  const text: ColumnSchema[] = [];
  const ids: ColumnSchema[] = [];
  version.schema.forEach((column, i) => {
    if (column.name === target) return;
    const stats = version.stats[i];
    if (column.type === 'text') text.push(column);
    else if (!keepIdColumns && column.type === 'integer' && stats?.kind === 'numeric' && stats.allDistinct === true && stats.count >= ID_COLUMN_MIN_ROWS) ids.push(column);
    else features.push(column);
  });
  return { features, text, ids };
}
