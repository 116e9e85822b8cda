import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, recordPageErrors } from '../../test/browser/support.js';
import { run as report } from '../src/report/cli.js';
import { CITY_RUN_FILE } from '../src/run-record.js';
import { generateCityRun } from './report-fixtures.js';

// Runs where Debian's chromium is installed (as the other browser tests do).
describe.runIf(hasChromium)('report in a browser (chromium)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'o2o-report-browser-'));
  let browser: Browser;
  beforeAll(async () => {
    writeFileSync(path.join(dir, CITY_RUN_FILE), JSON.stringify(generateCityRun(7)));
    expect(await report([dir])).toBe(0);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens offline with no errors and lays out every chart', async () => {
    const page = await browser.newPage({ viewport: { width: 1340, height: 900 } });
    const errors = recordPageErrors(page);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(path.join(dir, 'report.html')).href;
    await page.goto(url);
    const sizes = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((s) => {
        const box = s.getBoundingClientRect();
        return { id: s.id, width: box.width, height: box.height };
      }),
    );
    expect(sizes.length).toBeGreaterThanOrEqual(8);
    for (const s of sizes) expect(s.width * s.height, s.id).toBeGreaterThan(100 * 100);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
  });
});
