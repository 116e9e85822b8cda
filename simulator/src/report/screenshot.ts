/**
 * Renders reports to PNG with Debian's chromium (playwright-core, no downloaded browser), for the
 * README's pictures:
 *   node --import tsx simulator/src/report/screenshot.ts <report.html> <out-prefix> [chart-id …]
 * writes `<out-prefix>-<chart-id>.png` per chart (default: the KPI header plus two charts).
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const DEFAULT_SHOTS = ['header', 'click-to-door', 'waiting-orders'];

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}

/** Screenshots of the named charts (`header` = title, facts and KPI table) of a report file. */
export async function screenshotReport(
  htmlFile: string,
  outPrefix: string,
  ids: readonly string[],
): Promise<string[]> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1340, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(htmlFile).href);
    const written: string[] = [];
    for (const id of ids) {
      const file = `${outPrefix}-${id}.png`;
      if (id === 'header') {
        const box = await page.locator('table.kpis').boundingBox();
        if (!box) throw new Error('no KPI table in the report');
        await page.screenshot({
          path: file,
          clip: { x: 0, y: 0, width: 1340, height: box.y + box.height + 16 },
        });
      } else {
        await page.locator(`svg#${id}`).screenshot({ path: file });
      }
      written.push(file);
    }
    return written;
  } finally {
    await browser.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [html, prefix, ...ids] = process.argv.slice(2);
  if (!html || !prefix) {
    process.stderr.write(
      'usage: node --import tsx simulator/src/report/screenshot.ts <report.html> <out-prefix> [chart-id …]\n',
    );
    process.exitCode = 2;
  } else {
    screenshotReport(html, prefix, ids.length > 0 ? ids : DEFAULT_SHOTS).then(
      (files) => process.stdout.write(`${files.join('\n')}\n`),
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
