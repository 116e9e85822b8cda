import { describe, expect, it } from 'vitest';
import { cumulativeShares } from '../src/report/charts.js';
import { histogram, mean, quantile } from '../src/report/stats.js';
import { barChart } from '../src/report/svg/bar-chart.js';
import { escapeXml } from '../src/report/svg/escape.js';
import { histogramChart } from '../src/report/svg/histogram-chart.js';
import { lineChart } from '../src/report/svg/line-chart.js';
import { formatTick, linearScale, niceStep, niceTicks } from '../src/report/svg/scale.js';

describe('scales', () => {
  it('maps the domain onto the range, inverted for a y axis', () => {
    const y = linearScale([0, 50], [264, 36]);
    expect(y(0)).toBe(264);
    expect(y(50)).toBe(36);
    expect(y(25)).toBe(150);
  });

  it('maps a flat domain to the middle of the range instead of dividing by zero', () => {
    expect(linearScale([3, 3], [0, 100])(3)).toBe(50);
  });

  it('picks 1, 2 or 5 times a power of ten as the step', () => {
    expect(niceStep(100, 5)).toBe(20);
    expect(niceStep(9, 5)).toBe(2);
    expect(niceStep(7, 5)).toBe(1);
    expect(niceStep(0.9, 5)).toBe(0.2);
    expect(niceStep(3000, 8)).toBe(500);
  });

  it('covers the data with round ticks that start at or below the minimum and end at or above the maximum', () => {
    expect(niceTicks(0, 47, 5)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(13, 816, 8)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('gives a usable axis for a single value or no spread', () => {
    expect(niceTicks(0, 0)).toEqual([0, 1]);
    const around = niceTicks(5, 5);
    expect(around[0]).toBeLessThan(5);
    expect(around.at(-1)).toBeGreaterThan(5);
  });

  it('labels ticks with the decimals the step needs and thousands separators', () => {
    expect(formatTick(1200, 200)).toBe('1,200');
    expect(formatTick(0.4, 0.2)).toBe('0.4');
  });
});

describe('statistics', () => {
  it('uses the nearest-rank quantile, like summary.json', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(quantile(values, 0.5)).toBe(5);
    expect(quantile(values, 0.9)).toBe(9);
    expect(quantile(values, 1)).toBe(10);
    expect(quantile([], 0.5)).toBeNaN();
    expect(mean([1, 2, 3])).toBe(2);
  });

  it('bins values into equal widths and clamps the tails into the edge bins', () => {
    const bins = histogram([0, 4.9, 5, 12, 99, -3], 0, 15, 5);
    expect(bins.map((b) => [b.from, b.to, b.count])).toEqual([
      [0, 5, 3],
      [5, 10, 1],
      [10, 15, 2],
    ]);
  });

  it('refuses bins of no width', () => {
    expect(() => histogram([1], 0, 10, 0)).toThrow(/binWidth/);
  });

  it('turns values into an empirical CDF reaching 1 at the largest', () => {
    expect(cumulativeShares([3, 1, 1, 2])).toEqual([
      [1, 0.5],
      [2, 0.5],
      [2, 0.75],
      [3, 0.75],
      [3, 1],
    ]);
  });
});

describe('SVG charts', () => {
  it('escapes markup characters in text', () => {
    expect(escapeXml(`<b>"Tom" & 'Jerry'</b>`)).toBe(
      '&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;',
    );
  });

  it('never lets a series name or title inject markup', () => {
    const svg = histogramChart({
      id: 'h',
      title: 'Title <script>alert(1)</script>',
      xLabel: 'x',
      yLabel: 'y',
      binWidth: 1,
      series: [{ name: '<img src=x onerror=alert(1)>', color: '#000', values: [1, 2, 2] }],
    });
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('draws one bar per non-empty bin and series, with its count in a tooltip', () => {
    const svg = histogramChart({
      id: 'h',
      title: 'ctd',
      xLabel: 'minutes',
      yLabel: 'orders',
      binWidth: 10,
      from: 0,
      to: 30,
      series: [
        { name: 'ours', color: '#00f', values: [1, 2, 15] },
        { name: 'greedy', color: '#f00', values: [25] },
      ],
      markers: [{ value: 20, label: 'target 20 min' }],
    });
    expect(svg.match(/<rect [^>]*fill="#00f"/g)).toHaveLength(2 + 1); // two bins plus the legend key
    expect(svg.match(/<rect [^>]*fill="#f00"/g)).toHaveLength(1 + 1);
    expect(svg).toContain('ours: 2 in [0, 10)');
    expect(svg).toContain('target 20 min');
    expect(svg).toContain('role="img"');
  });

  it('draws a line per series and skips points that are not numbers', () => {
    const svg = lineChart({
      id: 'l',
      title: 'waiting',
      xLabel: 'minute',
      yLabel: 'orders',
      yFromZero: true,
      series: [
        {
          name: 'ours',
          color: '#00f',
          points: [
            [0, 1],
            [1, Number.NaN],
            [2, 3],
          ],
        },
      ],
    });
    const path = svg.match(/<path d="([^"]+)"/)?.[1];
    expect(path?.match(/[ML]/g)).toEqual(['M', 'L']);
  });

  it('says when there is nothing to draw instead of drawing empty axes', () => {
    expect(lineChart({ id: 'l', title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toContain(
      'no values to draw',
    );
    const bars = barChart({
      id: 'b',
      title: 'cycles',
      yLabel: 'ms',
      categories: ['p50'],
      series: [{ name: 'run', color: '#000', values: [null] }],
    });
    expect(bars).toContain('not measured');
  });

  it('writes each bar’s value above it', () => {
    const svg = barChart({
      id: 'b',
      title: 'cycles',
      yLabel: 'ms',
      categories: ['p50', 'p90', 'p99'],
      formatValue: (v) => v.toFixed(1),
      series: [{ name: 'run', color: '#000', values: [1, 4.25, 12] }],
    });
    for (const label of ['p50', 'p90', 'p99', '>1.0<', '>4.3<', '>12.0<']) expect(svg).toContain(label);
  });
});
