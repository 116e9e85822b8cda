import type { ReportView } from './model.js';
import { mean, quantile } from './stats.js';

/** The header's figures for one view: click-to-door in minutes, shares 0..1. */
export interface ViewKpis {
  name: string;
  orders: number;
  delivered: number;
  clickToDoor: { mean: number; p50: number; p90: number };
  lowerBound: { mean: number; p50: number; p90: number };
  shareOverTarget: number;
  /** Mean click-to-door ÷ mean lower bound. */
  ratioToLowerBound: number;
  acceptanceRate: number | null;
  /** Busy time over online time of all couriers. */
  meanUtilisation: number;
  cycleP90Ms: number | null;
}

function distribution(values: readonly number[]) {
  return { mean: mean(values), p50: quantile(values, 0.5), p90: quantile(values, 0.9) };
}

function utilisation(view: ReportView): number {
  const hours = view.couriers.reduce((s, c) => s + c.onlineHours, 0);
  return hours === 0
    ? Number.NaN
    : view.couriers.reduce((s, c) => s + c.utilisation * c.onlineHours, 0) / hours;
}

export function viewKpis(view: ReportView, targetMinutes: number): ViewKpis {
  const ctd = distribution(view.clickToDoorMin);
  const lb = distribution(view.lowerBoundMin);
  const n = view.clickToDoorMin.length;
  return {
    name: view.name,
    orders: view.orders,
    delivered: view.delivered,
    clickToDoor: ctd,
    lowerBound: lb,
    shareOverTarget: n === 0 ? 0 : view.clickToDoorMin.filter((v) => v > targetMinutes).length / n,
    ratioToLowerBound: ctd.mean / lb.mean,
    acceptanceRate: view.acceptanceRate,
    meanUtilisation: utilisation(view),
    cycleP90Ms: view.cycles.p90,
  };
}
