import { ServerChild } from '../../api/bench/live-bench.js';
import { type BenchSuite, benchResult } from '../../scripts/bench/report.js';
import { buildWebApps } from '../../scripts/build-web.js';
import { hasChromium, launchChromium } from '../../test/browser/support.js';

interface FrameStats {
  frames: number;
  p95FrameMs: number;
  maxFrameMs: number;
}

/**
 * `npm run bench -- ops-map`: the ops console with 10,000 couriers on its map, beside the same
 * page with 100 couriers in the same run. Figures: time from opening the page to every courier on
 * the map, and frame intervals (requestAnimationFrame) over 10 s that include two courier polls.
 * Headless chromium renders with software WebGL on the same 2 cores as the api, so absolute
 * frame times are pessimistic; the ratio against 100 couriers is what to read.
 */
export const opsMapBench: BenchSuite = async function* ({ quick, log }) {
  if (!hasChromium) throw new Error('chromium is not installed (apt-get install chromium)');
  buildWebApps({ mode: 'stale', only: ['ops-console'], log });
  const many = quick ? 2000 : 10_000;
  const few = 100;
  const results: Record<number, { loadMs: number; frames: FrameStats }> = {};
  const browser = await launchChromium();
  try {
    for (const couriers of [few, many]) {
      log(`ops map with ${couriers} couriers`);
      const server = ServerChild.start(couriers);
      try {
        const ready = JSON.parse(await server.nextLine(300_000)) as { gatewayUrl: string; opsToken: string };
        const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
        // Logged in already: the console keeps its session in sessionStorage.
        const session = JSON.stringify({
          token: ready.opsToken,
          operator: { id: 'bench', name: 'Bench operator', regions: ['city'] },
        });
        await page.addInitScript(`sessionStorage.setItem('o2o.ops.session', ${JSON.stringify(session)})`);
        const started = Date.now();
        await page.goto(`${ready.gatewayUrl}/app/ops/`);
        await page.locator(`#stat-couriers[data-count="${couriers}"]`).waitFor({ timeout: 120_000 });
        const loadMs = Date.now() - started;
        const frames = (await page.evaluate(`new Promise((resolve) => {
          const intervals = [];
          let last = performance.now();
          const end = last + 10000;
          const step = (now) => {
            intervals.push(now - last);
            last = now;
            if (now < end) requestAnimationFrame(step);
            else {
              intervals.sort((a, b) => a - b);
              resolve({
                frames: intervals.length,
                p95FrameMs: intervals[Math.floor(intervals.length * 0.95)] ?? 0,
                maxFrameMs: intervals[intervals.length - 1] ?? 0,
              });
            }
          };
          requestAnimationFrame(step);
        })`)) as FrameStats;
        log(
          `  all on the map after ${loadMs} ms; ${frames.frames} frames in 10 s, p95 ${frames.p95FrameMs.toFixed(1)} ms, max ${frames.maxFrameMs.toFixed(0)} ms`,
        );
        results[couriers] = { loadMs, frames };
        await page.close();
      } finally {
        await server.stop();
      }
    }
  } finally {
    await browser.close();
  }
  const a = results[many]!;
  const b = results[few]!;
  yield benchResult(
    `ops_map.time_to_all_couriers_${many}`,
    a.loadMs,
    'ms',
    `same page, ${few} couriers`,
    b.loadMs,
  );
  yield benchResult(
    `ops_map.frames_per_second_${many}`,
    a.frames.frames / 10,
    'fps',
    `same page, ${few} couriers`,
    b.frames.frames / 10,
  );
  yield benchResult(
    `ops_map.frame_p95_${many}`,
    a.frames.p95FrameMs,
    'ms',
    `same page, ${few} couriers`,
    b.frames.p95FrameMs,
  );
  yield benchResult(
    `ops_map.frame_max_${many}`,
    a.frames.maxFrameMs,
    'ms',
    `same page, ${few} couriers`,
    b.frames.maxFrameMs,
  );
};
