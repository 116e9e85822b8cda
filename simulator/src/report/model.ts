/**
 * What the report draws, whatever produced it: a simulated-city run (one view) or a benchmark
 * replay (one view per policy, ours beside greedy when both were replayed). Times in minutes,
 * money in the record's unit.
 */

export interface TimelinePoint {
  tMin: number;
  waitingOrders: number;
  idleCouriers: number;
}

export interface CourierFigures {
  /** Share of online time holding a job, 0..1. */
  utilisation: number;
  /** Earnings per online hour, in the report's money unit. */
  earningsPerHour: number;
  deliveries: number;
  onlineHours: number;
  /** City runs: in-house riders earn a wage per hour, crowd riders per job; replays have no kinds. */
  kind?: 'in_house' | 'crowd';
}

export interface CycleFigures {
  /** Wall milliseconds; null when the run did not measure them. */
  p50: number | null;
  p90: number | null;
  p99: number | null;
  count: number;
}

/** Offer outcomes over time (city runs); absent when couriers accept every job by rule. */
export interface AcceptancePoint {
  tMin: number;
  /** Cumulative shares of the offers answered or expired so far, 0..1. */
  accepted: number;
  declined: number;
  expired: number;
}

export interface ReportView {
  name: string;
  color: string;
  orders: number;
  delivered: number;
  /** Click-to-door of delivered orders, minutes. */
  clickToDoorMin: number[];
  /** Lower bounds the click-to-door is compared with (which orders: see `lowerBoundNote`). */
  lowerBoundMin: number[];
  timeline: TimelinePoint[];
  acceptance: AcceptancePoint[] | null;
  /** Overall acceptance 0..1; null = not applicable. */
  acceptanceRate: number | null;
  couriers: CourierFigures[];
  cycles: CycleFigures;
  /** Per-cycle wall time when the run kept every cycle (replays): [minute, ms]. */
  cycleSeries: Array<readonly [number, number]> | null;
}

export interface ReportModel {
  kind: 'city' | 'mdrp-replay';
  title: string;
  /** Label/value lines under the title (seed, duration, instance, …). */
  facts: Array<readonly [string, string]>;
  targetMinutes: number;
  maxMinutes: number;
  moneyUnit: string;
  timeAxisLabel: string;
  /** Sentences shown above the charts: how figures are defined, what is not applicable. */
  notes: string[];
  lowerBoundNote: string;
  views: ReportView[];
}

export const COLORS = {
  ours: '#2563eb',
  greedy: '#dc2626',
  lowerBound: '#6b7280',
  accepted: '#16a34a',
  declined: '#dc2626',
  expired: '#d97706',
  inHouse: '#7c3aed',
} as const;
