import type { RunDetail } from '../../../../shared/app-api/entities';

/** A run in the comparison with the colour it keeps in every chart, table and legend. */
export interface ComparedRun {
  run: RunDetail;
  name: string;
  color: string;
}
