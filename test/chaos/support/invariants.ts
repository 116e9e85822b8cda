import type pg from 'pg';
import { until } from './ports.js';

const FINAL = ['delivered', 'canceled', 'failed'];

/** What Postgres, the source of truth, says about the orders a run's stores were told about. */
export interface CityCheck {
  acknowledged: number;
  /** Acknowledged to a store but not in Postgres. */
  lost: string[];
  /** Not delivered, canceled or failed. */
  notFinal: string[];
  /** With more than one assignment, more than one `order.assigned` event or two accepted offers. */
  assignedTwice: string[];
  /** Whose events are not numbered 1, 2, … n without a gap or a repeat. */
  brokenSequence: string[];
  /** Orders in Postgres that no store was told about (a create whose answer was lost for good). */
  unacknowledged: number;
  delivered: number;
}

export async function checkOrders(pool: pg.Pool, acknowledged: Iterable<string>): Promise<CityCheck> {
  const ids = [...acknowledged];
  const rows = await pool.query<{
    id: string;
    status: string;
    assignments: string;
    assigned_events: string;
    accepted_offers: string;
    seqs: number[];
  }>(
    // Accepted offers are counted per order from one pass over the offers: a containment test
    // per order (`order_ids @> ARRAY[o.id]`) scans every offer for every order, which took
    // ~7 minutes after the one-hour soak (28,399 orders).
    `WITH accepted AS (
       SELECT unnest(order_ids) AS order_id, count(*) AS n FROM offers WHERE status = 'accepted' GROUP BY 1
     )
     SELECT o.id, o.status,
            (SELECT count(*) FROM assignments a WHERE a.order_id = o.id) AS assignments,
            (SELECT count(*) FROM order_events e WHERE e.order_id = o.id AND e.type = 'order.assigned') AS assigned_events,
            COALESCE(accepted.n, 0) AS accepted_offers,
            (SELECT array_agg(e.seq ORDER BY e.seq) FROM order_events e WHERE e.order_id = o.id) AS seqs
       FROM orders o LEFT JOIN accepted ON accepted.order_id = o.id`,
  );
  const byId = new Map(rows.rows.map((r) => [r.id, r]));
  const wanted = new Set(ids);
  return {
    acknowledged: ids.length,
    lost: ids.filter((id) => !byId.has(id)),
    notFinal: rows.rows.filter((r) => !FINAL.includes(r.status)).map((r) => r.id),
    assignedTwice: rows.rows
      .filter(
        (r) => Number(r.assignments) > 1 || Number(r.assigned_events) > 1 || Number(r.accepted_offers) > 1,
      )
      .map((r) => r.id),
    brokenSequence: rows.rows.filter((r) => !(r.seqs ?? []).every((s, i) => s === i + 1)).map((r) => r.id),
    unacknowledged: rows.rows.filter((r) => !wanted.has(r.id)).length,
    delivered: rows.rows.filter((r) => r.status === 'delivered').length,
  };
}

/** Waits until no order in Postgres is pending or under way; returns how long that took. */
export async function waitAllFinal(pool: pg.Pool, timeoutMs: number): Promise<number> {
  try {
    return await waitFinal(pool, timeoutMs);
  } catch (err) {
    const counts = await pool.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM orders GROUP BY status',
    );
    const summary = counts.rows.map((r) => `${r.status}: ${r.n}`).join(', ');
    const stuck = await pool.query<{ id: string; events: string[] }>(
      `SELECT o.id, (SELECT array_agg(type ORDER BY seq) FROM order_events e WHERE e.order_id = o.id) AS events
         FROM orders o WHERE o.status <> ALL($1) LIMIT 5`,
      [FINAL],
    );
    const examples = stuck.rows.map((r) => `${r.id}: ${r.events.join(' → ')}`).join('; ');
    throw new Error(`${(err as Error).message} (orders by status: ${summary}; e.g. ${examples})`);
  }
}

function waitFinal(pool: pg.Pool, timeoutMs: number): Promise<number> {
  return until(
    'every order final',
    async () => {
      const r = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM orders WHERE status <> ALL($1)`, [
        FINAL,
      ]);
      return r.rows[0]?.n === '0';
    },
    timeoutMs,
    250,
  );
}

/** One readable line per figure, printed where vitest shows a test's output. */
export function printFigure(test: string, name: string, value: string): void {
  process.stderr.write(`[chaos] ${test} | ${name}: ${value}\n`);
}

export function describeCheck(check: CityCheck): string {
  return `${check.acknowledged} acknowledged, ${check.lost.length} lost, ${check.assignedTwice.length} assigned twice, ${check.notFinal.length} not final, ${check.brokenSequence.length} with a broken event sequence, ${check.delivered} delivered`;
}

/** Median and max of a list of durations, e.g. "median 812 ms, max 1,430 ms (20 samples)". */
export function describeMs(samples: number[]): string {
  if (samples.length === 0) return 'no samples';
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `median ${median} ms, max ${sorted.at(-1)} ms (${sorted.length} samples)`;
}

/** Progress lines for a developer watching a run (`O2O_CHAOS_DEBUG=1`). */
export function progress(test: string, message: string): void {
  if (process.env.O2O_CHAOS_DEBUG) process.stderr.write(`[chaos:debug] ${test} | ${message}\n`);
}
