/**
 * Regenerates the report pictures in docs/images/ (needs chromium):
 *   node --import tsx simulator/src/report/readme-images.ts [--instance <dir>] [--city <run-dir>]
 * The replay pictures come from `<dir>` (default ../shared/mdrp/1o50t100s1p100, an instance with
 * an evening crunch) replayed with our core and greedy in a temporary folder; the city picture,
 * when `--city` is given, from that city run's run.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMdrpInstance } from '../mdrp/run.js';
import { loadReportModel } from './load.js';
import { renderReport } from './page.js';
import { screenshotReport } from './screenshot.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const images = path.join(repo, 'docs/images');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

/** The page's header and KPI table down to the first row of charts (the click-to-door plots). */
const HEADER_AND_CLICK_TO_DOOR = ['h1', 'table.kpis', '#click-to-door', '#click-to-door-cdf'];

async function main(): Promise<void> {
  const instance = path.resolve(option('--instance') ?? path.join(repo, '../shared/mdrp/1o50t100s1p100'));
  const city = option('--city');
  const work = mkdtempSync(path.join(tmpdir(), 'o2o-readme-images-'));
  try {
    mkdirSync(images, { recursive: true });
    const replays = path.join(work, 'replays');
    for (const policy of ['ours', 'greedy'] as const) {
      runMdrpInstance(instance, { policy, outDir: path.join(replays, policy) });
    }
    const replayHtml = path.join(work, 'replay.html');
    writeFileSync(
      replayHtml,
      renderReport(loadReportModel(replays), new Date(), path.basename(instance)).html,
    );
    await screenshotReport(replayHtml, [
      { file: path.join(images, 'report-replay.png'), selectors: HEADER_AND_CLICK_TO_DOOR },
      {
        file: path.join(images, 'report-replay-over-the-day.png'),
        selectors: ['#waiting-orders', '#idle-couriers'],
      },
    ]);
    if (city) {
      const cityHtml = path.join(work, 'city.html');
      writeFileSync(cityHtml, renderReport(loadReportModel(city), new Date(), 'a city run').html);
      await screenshotReport(cityHtml, [
        { file: path.join(images, 'report-city.png'), selectors: HEADER_AND_CLICK_TO_DOOR },
      ]);
    }
    process.stdout.write(`pictures written to ${images}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
