import { cellToParent, getResolution, isValidCell } from 'h3-js';
import { H3_RESOLUTIONS } from '../../../domain/src/geo/h3-resolutions.js';
import type { HeatCount } from './types.js';

/** The heat cell (H3_RESOLUTIONS.heat) containing `cell`; throws for coarser or invalid cells. */
export function cellToHeatCell(cell: string): string {
  if (!isValidCell(cell)) throw new Error(`not an H3 cell: ${cell}`);
  const res = getResolution(cell);
  if (res < H3_RESOLUTIONS.heat) throw new Error(`cell ${cell} is coarser than the heat resolution`);
  return res === H3_RESOLUTIONS.heat ? cell : cellToParent(cell, H3_RESOLUTIONS.heat);
}

/** Joins idle couriers per index cell and waiting orders per heat cell into heat cells, sorted by cell. */
export function idleAndWaitingToHeatCounts(
  idleByCell: ReadonlyMap<string, number>,
  waitingByHeatCell: ReadonlyMap<string, number>,
): HeatCount[] {
  const byCell = new Map<string, HeatCount>();
  const entry = (cell: string): HeatCount => {
    let e = byCell.get(cell);
    if (!e) {
      e = { cell, idleCouriers: 0, waitingOrders: 0 };
      byCell.set(cell, e);
    }
    return e;
  };
  for (const [cell, n] of idleByCell) entry(cellToHeatCell(cell)).idleCouriers += n;
  for (const [cell, n] of waitingByHeatCell) entry(cell).waitingOrders += n;
  return [...byCell.values()].sort((a, b) => (a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : 0));
}
