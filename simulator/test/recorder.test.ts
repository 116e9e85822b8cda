import { describe, expect, it } from 'vitest';
import { CityRecorder } from '../src/city/recorder.js';
import { reportCharts } from '../src/report/charts.js';
import { cityRunToModel } from '../src/report/from-city.js';

const recordAt = (recorder: CityRecorder, nowS: number) =>
  recorder.toRecord({
    startedAt: '2026-12-01T12:00:00.000Z',
    seed: 1,
    timeScale: 10,
    nowS,
    options: {},
    cycleMs: { p50: null, p90: null, p99: null, count: 0 },
  });

describe('the city recorder', () => {
  it('pays in-house riders their wage per online hour and crowd riders per offer taken', () => {
    const recorder = new CityRecorder(1000, 1400);
    const inHouse = recorder.addCourier('rider-1', 'in_house', 'bike');
    const crowd = recorder.addCourier('rider-2', 'crowd', 'scooter');
    recorder.setOnline(inHouse, true, 1000);
    recorder.setOnline(crowd, true, 1000);
    crowd.earnings_cents += 450;
    recorder.setOnline(inHouse, false, 1000 + 3600);

    // Two hours in: the in-house rider was online for one of them, the crowd rider took one job.
    const record = recordAt(recorder, 1000 + 7200);
    expect(record.couriers).toMatchObject([
      { id: 'rider-1', kind: 'in_house', online_s: 3600, earnings_cents: 1400 },
      { id: 'rider-2', kind: 'crowd', online_s: 7200, earnings_cents: 450 },
    ]);
  });

  it('counts an open online spell up to now', () => {
    const recorder = new CityRecorder(0, 1200);
    const rider = recorder.addCourier('rider-1', 'in_house', 'car');
    recorder.setOnline(rider, true, 600);
    expect(recordAt(recorder, 600 + 1800).couriers[0]).toMatchObject({ online_s: 1800, earnings_cents: 600 });
  });
});

describe('the earnings chart of a city report', () => {
  it('draws crowd riders and in-house riders as two series', () => {
    const recorder = new CityRecorder(0, 1400);
    const inHouse = recorder.addCourier('rider-1', 'in_house', 'bike');
    const crowd = recorder.addCourier('rider-2', 'crowd', 'bike');
    recorder.setOnline(inHouse, true, 0);
    recorder.setOnline(crowd, true, 0);
    crowd.earnings_cents += 900;
    const model = cityRunToModel(recordAt(recorder, 3600));
    expect(model.views[0]!.couriers.map((c) => [c.kind, c.earningsPerHour])).toEqual([
      ['in_house', 14],
      ['crowd', 9],
    ]);
    const earnings = reportCharts(model).find((chart) => chart.id === 'earnings')!.svg;
    expect(earnings).toContain('crowd riders (pay per job)');
    expect(earnings).toContain('in-house riders (hourly wage)');
  });
});
