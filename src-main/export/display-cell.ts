import { formatDuration, formatGap, formatMetric, formatParamShort } from '../../src-shared/format';
import type { Cell } from './run-table';

/**
 * A cell as the runs table shows it, for the formats people read (Markdown): metrics to four significant digits,
 * params as in the table's narrow cells (three), the gap signed with three decimals, durations in words. Other
 * numbers (ids, seeds, epochs) and text are as they are; a missing value is empty.
 */
export function displayCell(column: string, cell: Cell): string {
  if (cell === null) return '';
  if (column === 'gap' && typeof cell === 'number') return formatGap(cell);
  if (column === 'duration_s' && typeof cell === 'number') return formatDuration(cell);
  const group = column.slice(0, Math.max(0, column.indexOf('.')));
  if ((group === 'metrics' || group === 'best') && typeof cell === 'number') return formatMetric(cell);
  if (group === 'params') return formatParamShort(cell);
  return String(cell);
}
