/**
 * Renders parts of a report to PNG with Debian's chromium (playwright-core, no downloaded
 * browser), for the README's pictures. Each shot is the box around the listed elements.
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export interface Shot {
  file: string;
  /** CSS selectors; the picture is the box around all of them. */
  selectors: readonly string[];
}

export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
}

export async function screenshotReport(htmlFile: string, shots: readonly Shot[]): Promise<void> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1320, height: 900 } });
    await page.goto(pathToFileURL(htmlFile).href);
    for (const shot of shots) {
      const boxes = [];
      for (const selector of shot.selectors) {
        const box = await page.locator(selector).first().boundingBox();
        if (!box) throw new Error(`${htmlFile}: nothing matches ${selector}`);
        boxes.push(box);
      }
      const x = Math.min(...boxes.map((b) => b.x)) - 8;
      const y = Math.min(...boxes.map((b) => b.y)) - 8;
      const right = Math.max(...boxes.map((b) => b.x + b.width)) + 8;
      const bottom = Math.max(...boxes.map((b) => b.y + b.height)) + 8;
      await page.screenshot({
        path: shot.file,
        fullPage: true,
        clip: {
          x: Math.max(0, x),
          y: Math.max(0, y),
          width: right - Math.max(0, x),
          height: bottom - Math.max(0, y),
        },
      });
    }
  } finally {
    await browser.close();
  }
}
