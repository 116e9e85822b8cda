/**
 * Regenerates the report pictures in docs/images/ from a real replay (ours and greedy):
 *   node --import tsx simulator/src/report/readme-images.ts [instance-dir]
 * (default ../shared/mdrp/1o50t100s1p100, an instance with an evening crunch). Needs chromium.
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
const instance = path.resolve(process.argv[2] ?? path.join(repo, '../shared/mdrp/1o50t100s1p100'));
const images = path.join(repo, 'docs/images');
const work = mkdtempSync(path.join(tmpdir(), 'o2o-readme-images-'));

try {
  for (const policy of ['ours', 'greedy'] as const) {
    runMdrpInstance(instance, { policy, outDir: path.join(work, policy) });
  }
  const html = path.join(work, 'report.html');
  writeFileSync(html, renderReport(loadReportModel(work), new Date(), path.basename(instance)).html);
  mkdirSync(images, { recursive: true });
  await screenshotReport(html, [
    { file: path.join(images, 'report-kpis.png'), selectors: ['h1', 'table.kpis', 'ul.notes'] },
    {
      file: path.join(images, 'report-click-to-door.png'),
      selectors: ['#click-to-door', '#click-to-door-cdf'],
    },
    { file: path.join(images, 'report-over-the-day.png'), selectors: ['#waiting-orders', '#idle-couriers'] },
  ]);
  process.stdout.write(
    `wrote report-kpis.png, report-click-to-door.png, report-over-the-day.png in ${images}\n`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
