import { cityMapGeoJson, haversineMeters } from '@o2o/domain';
import { describe, expect, it, vi } from 'vitest';
import { crowdSessionsForDay, demandSourceOf, onlineWindows, planCity } from '../src/city/city-plan.js';
import { run as runCityCommand } from '../src/city/cli.js';
import {
  cycleHistogramFromText,
  cyclePercentilesMs,
  histogramDelta,
  histogramQuantile,
} from '../src/city/cycle-metrics.js';
import { DEMAND_SHAPE_MAX, demandBetween, demandShape, ordersPerHourAt } from '../src/city/demand.js';
import { positionOnRide, rideEndS } from '../src/city/movement.js';
import { defaultCityOptions, parseCityOptions, UsageError } from '../src/city/options.js';
import { clockText, SimClock } from '../src/city/sim-clock.js';
import { nearestNode, shortestRoute, streetGraphFromCity } from '../src/city/street-graph.js';

const graph = streetGraphFromCity(cityMapGeoJson());
const HOUR = 3600;

describe('the street graph of the city map', () => {
  it('joins every street at its crossings into one connected network', () => {
    expect(graph.nodes.length).toBeGreaterThan(1000);
    expect(graph.routable.length).toBe(graph.nodes.length);
    // Crossings of streets that share no vertex (wobbly residential ones) are nodes of both.
    const crossings = graph.nodes.filter((n) => graph.neighbours[n.id]!.length >= 3);
    expect(crossings.length).toBeGreaterThan(300);
  });

  it('routes along streets: no shorter than the straight line, not absurdly longer, consecutive nodes adjacent', () => {
    const from = nearestNode(graph, -4000, -3500);
    const to = nearestNode(graph, 3800, 4200);
    const route = shortestRoute(graph, from, to);
    const straight = haversineMeters(route.points[0]!, route.points.at(-1)!);
    expect(route.meters).toBeGreaterThanOrEqual(straight * 0.999);
    expect(route.meters).toBeLessThan(straight * 1.5);
    for (let i = 1; i < route.nodes.length; i++) {
      expect(graph.neighbours[route.nodes[i - 1]!]!.some((e) => e.to === route.nodes[i])).toBe(true);
    }
    expect(route.cumulativeMeters.at(-1)).toBeCloseTo(route.meters);
    expect(shortestRoute(graph, from, from).meters).toBe(0);
  });

  it('finds the same length both ways', () => {
    const a = nearestNode(graph, 1200, -800);
    const b = nearestNode(graph, -2500, 3100);
    expect(shortestRoute(graph, a, b).meters).toBeCloseTo(shortestRoute(graph, b, a).meters, 6);
  });
});

describe('riding a route', () => {
  const route = shortestRoute(graph, nearestNode(graph, 0, 0), nearestNode(graph, 2000, 1500));
  const ride = { route, startS: 100, speedMps: 4.2 };

  it('arrives after length ÷ speed, starting and ending on the route ends', () => {
    expect(rideEndS(ride)).toBeCloseTo(100 + route.meters / 4.2);
    expect(positionOnRide(ride, 50)).toMatchObject(route.points[0]!);
    const end = positionOnRide(ride, rideEndS(ride) + 500);
    expect(end.lat).toBeCloseTo(route.points.at(-1)!.lat, 9);
    expect(end.lng).toBeCloseTo(route.points.at(-1)!.lng, 9);
  });

  it('moves at the vehicle speed along the streets, never off them', () => {
    let previous = positionOnRide(ride, 100);
    for (let t = 110; t < rideEndS(ride); t += 10) {
      const p = positionOnRide(ride, t);
      // 10 s at 4.2 m/s: 42 m along the street, a little less as the crow flies around corners.
      const step = haversineMeters(previous, p);
      expect(step).toBeLessThanOrEqual(42.5);
      expect(step).toBeGreaterThan(25);
      const local = graph.toLocal(p.lng, p.lat);
      const nearest = graph.nodes[nearestNode(graph, local.x, local.y)]!;
      // On a street: within half a block of some node along the route.
      expect(Math.hypot(nearest.x - local.x, nearest.y - local.y)).toBeLessThan(260);
      previous = p;
    }
  });
});

describe('the demand curve', () => {
  it('averages 1 over the day, with a lunch and a higher dinner peak over a quiet night', () => {
    let sum = 0;
    for (let m = 0; m < 24 * 60; m++) sum += demandShape((m + 0.5) / 60);
    expect(sum / (24 * 60)).toBeCloseTo(1, 3);
    const lunch = demandShape(12.75);
    const dinner = demandShape(19.25);
    expect(lunch).toBeGreaterThan(2 * demandShape(10));
    expect(lunch).toBeGreaterThan(1.5 * demandShape(16));
    expect(dinner).toBeGreaterThan(lunch);
    expect(demandShape(3)).toBeLessThan(0.2);
    expect(DEMAND_SHAPE_MAX).toBeCloseTo(dinner, 1);
    expect(ordersPerHourAt(19.25 * HOUR, 40)).toBeCloseTo(40 * dinner);
  });

  it('produces about the curve’s number of orders, each ready 4–18 minutes after it is placed', () => {
    const plan = planCity({ seed: 7, stores: 4, couriers: 4, crowdShare: 0.5 });
    const orders = demandBetween(7, 0, 10 * 24 * HOUR, 50, demandSourceOf(plan));
    // 10 days × 24 h × 50 per hour on average.
    expect(orders.length).toBeGreaterThan(12_000 * 0.95);
    expect(orders.length).toBeLessThan(12_000 * 1.05);
    const at = (h0: number, h1: number) =>
      orders.filter((o) => o.at_s % (24 * HOUR) >= h0 * HOUR && o.at_s % (24 * HOUR) < h1 * HOUR).length;
    expect(at(12, 14)).toBeGreaterThan(3 * at(15, 17) * 0.9);
    expect(at(18.5, 20)).toBeGreaterThan(at(12, 13.5));
    expect(at(2, 5)).toBeLessThan(at(12, 13) / 5);
    for (const o of orders.slice(0, 500)) {
      expect(o.prep_s).toBeGreaterThanOrEqual(240);
      expect(o.prep_s).toBeLessThanOrEqual(1080);
      expect(o.customer).toBeLessThan(plan.stores[o.store]!.customers.length);
    }
    expect(orders.every((o, i) => i === 0 || o.at_s >= orders[i - 1]!.at_s)).toBe(true);
  });
});

describe('one seed, one city', () => {
  const options = { seed: 42, stores: 6, couriers: 16, crowdShare: 0.5 };

  it('plans the same stores, neighbourhoods, riders and demand for the same seed', () => {
    const a = planCity(options);
    const b = planCity(options, graph);
    const strip = (p: ReturnType<typeof planCity>) => ({
      areas: p.areas,
      stores: p.stores,
      couriers: p.couriers,
    });
    expect(strip(b)).toEqual(strip(a));
    const demand = (p: ReturnType<typeof planCity>) =>
      demandBetween(42, 11.5 * HOUR, 13 * HOUR, 80, demandSourceOf(p));
    expect(demand(b)).toEqual(demand(a));
    expect(demand(a).length).toBeGreaterThan(100);
    expect(crowdSessionsForDay(42, 3, 0)).toEqual(crowdSessionsForDay(42, 3, 0));
  });

  it('plans another city for another seed', () => {
    const a = planCity(options);
    const c = planCity({ ...options, seed: 43 });
    expect(c.stores.map((s) => s.node)).not.toEqual(a.stores.map((s) => s.node));
    expect(demandBetween(43, 0, 2 * HOUR, 80, demandSourceOf(c))).not.toEqual(
      demandBetween(42, 0, 2 * HOUR, 80, demandSourceOf(a)),
    );
  });

  it('puts stores on main streets and customers on residential streets near them', () => {
    const plan = planCity(options);
    expect(new Set(plan.stores.map((s) => s.node)).size).toBe(6);
    for (const store of plan.stores) {
      const classes = graph.nodes[store.node]!.classes;
      expect(classes.has('primary') || classes.has('secondary')).toBe(true);
      expect(store.customers.length).toBeGreaterThanOrEqual(20);
      for (const c of store.customers) expect(graph.nodes[c]!.classes.has('residential')).toBe(true);
    }
  });

  it('gives the crowd share to crowd riders, in-house riders a shift, crowd riders their sessions', () => {
    const plan = planCity(options);
    expect(plan.couriers.filter((c) => c.kind === 'crowd')).toHaveLength(8);
    for (const [i, c] of plan.couriers.entries()) {
      if (c.kind === 'in_house') expect(c.shift).not.toBeNull();
      const windows = onlineWindows(plan, i, 0, 3 * 24 * HOUR);
      for (const w of windows) expect(w.to_s).toBeGreaterThan(w.from_s);
      for (let k = 1; k < windows.length; k++)
        expect(windows[k]!.from_s).toBeGreaterThanOrEqual(windows[k - 1]!.to_s);
    }
    expect(planCity({ ...options, crowdShare: 0 }).couriers.every((c) => c.kind === 'in_house')).toBe(true);
    expect(planCity({ ...options, crowdShare: 1 }).couriers.every((c) => c.kind === 'crowd')).toBe(true);
  });
});

describe('the options', () => {
  const defaults = defaultCityOptions('postgres://postgres@127.0.0.1:5432/o2o');

  it('reads every option over the defaults', () => {
    const o = parseCityOptions(
      [
        '--couriers',
        '30',
        '--stores',
        '4',
        '--orders-per-hour',
        '90',
        '--crowd-share',
        '0.25',
        '--accept-rate',
        '0.6',
        '--think-seconds',
        '45',
        '--in-house-wage',
        '16.5',
      ],
      defaults,
    );
    expect(o).toMatchObject({
      couriers: 30,
      stores: 4,
      ordersPerHour: 90,
      crowdShare: 0.25,
      acceptRate: 0.6,
      thinkSeconds: 45,
      inHouseWagePerHour: 16.5,
    });
    expect(parseCityOptions(['--forever'], defaults).durationMinutes).toBe(0);
    expect(parseCityOptions(['--start', '18:45'], defaults).startMinuteOfDay).toBe(18 * 60 + 45);
    expect(parseCityOptions(['--api', 'http://10.0.0.2:3000/'], defaults).api).toBe('http://10.0.0.2:3000');
  });

  it('refuses bad values with a message that names the option', () => {
    const bad: [string[], RegExp][] = [
      [['--couriers', '0'], /--couriers must be at least 1/],
      [['--couriers', '2.5'], /whole number/],
      [['--crowd-share', '1.5'], /--crowd-share must be at most 1/],
      [['--time-scale', '0'], /--time-scale must be more than 0/],
      [['--seed', 'abc'], /--seed must be a number/],
      [['--start', '25:00'], /--start must be HH:MM/],
      [['--api', 'nope'], /--api must be a URL/],
      [['--colour', 'red'], /unknown option --colour/],
      [['--stores'], /--stores needs a value/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseCityOptions(argv, defaults)).toThrow(UsageError);
      expect(() => parseCityOptions(argv, defaults)).toThrow(message);
    }
  });
});

describe('the city command', () => {
  it('exits 2 with the message and the usage on a bad option, 1 when there is no api', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(await runCityCommand(['--accept-rate', '2'])).toBe(2);
      expect(written.join('')).toMatch(/--accept-rate must be at most 1, got 2\nusage: npm run sim -- city/);
      written.length = 0;
      expect(await runCityCommand(['--api', 'http://127.0.0.1:9', '--duration', '1'])).toBe(1);
      expect(written.join('')).toMatch(/the api at http:\/\/127\.0\.0\.1:9 is not ready/);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the simulated clock', () => {
  it('runs time-scale times faster than the wall and maps simulated times to wall times', () => {
    const clock = new SimClock(11 * HOUR, 20, 1_000_000);
    expect(clock.toWallMs(11 * HOUR + 60)).toBe(1_000_000 + 3000);
    expect(clock.wallMsFor(600)).toBe(30_000);
    expect(clock.now()).toBeGreaterThanOrEqual(11 * HOUR);
    expect(clockText(11.5 * HOUR)).toBe('11:30');
    expect(clockText(24 * HOUR + 9 * HOUR + 5 * 60)).toBe('d2 09:05');
  });
});

describe('dispatcher cycle times from /metrics', () => {
  const exposition = (counts: number[]) =>
    [
      '# HELP dispatch_cycle_duration_seconds Duration of one dispatch cycle',
      '# TYPE dispatch_cycle_duration_seconds histogram',
      ...['0.01', '0.05', '0.1', '+Inf'].map(
        (le, i) => `dispatch_cycle_duration_seconds_bucket{le="${le}",region="city"} ${counts[i]}`,
      ),
      `dispatch_cycle_duration_seconds_sum{region="city"} 1.5`,
      `dispatch_cycle_duration_seconds_count{region="city"} ${counts[3]}`,
      'dispatch_cycle_duration_seconds_bucket{le="+Inf",region="other"} 999',
      'dispatch_cycle_duration_seconds_count{region="other"} 999',
    ].join('\n');

  it('reads the region’s histogram and takes percentiles of this run only', () => {
    const before = cycleHistogramFromText(exposition([10, 10, 10, 10]), 'city');
    const after = cycleHistogramFromText(exposition([60, 100, 110, 110]), 'city')!;
    expect(after.count).toBe(110);
    const run = histogramDelta(after, before);
    expect(run.count).toBe(100);
    // 50 of the run's 100 cycles took ≤ 10 ms, 40 more ≤ 50 ms, 10 more ≤ 100 ms.
    expect(histogramQuantile(run, 0.5)).toBeCloseTo(0.01);
    expect(histogramQuantile(run, 0.9)).toBeCloseTo(0.05);
    expect(histogramQuantile(run, 0.7)).toBeCloseTo(0.03);
    expect(cyclePercentilesMs(run)).toEqual({ p50: 10, p90: 50, p99: 95, count: 100 });
  });

  it('answers nulls when there is nothing to read', () => {
    expect(cycleHistogramFromText('up 1\n', 'city')).toBeNull();
    expect(cyclePercentilesMs(null)).toEqual({ p50: null, p90: null, p99: null, count: 0 });
  });
});
