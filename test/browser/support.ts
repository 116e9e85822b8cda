/**
 * Browser tests drive Debian's chromium with playwright-core (no downloaded browsers). They run
 * only where chromium is installed; `.ci/run` installs it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { buildWebApps, type WEB_APP_BASES } from '../../scripts/build-web.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** Builds the app if its sources are newer than its dist (a no-op most of the time). */
export function ensureBuilt(folder: keyof typeof WEB_APP_BASES): void {
  buildWebApps({ mode: 'stale', only: [folder], log: () => undefined });
}

/**
 * Records every request the page makes to anything but the local api: the apps must work
 * offline (no fonts, CDNs or tiles). `data:` and `blob:` URLs (MapLibre's worker) stay local.
 */
export function recordForeignRequests(page: Page): string[] {
  const foreign: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return;
    if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return;
    foreign.push(request.url());
  });
  return foreign;
}

/** Collects uncaught page errors and console errors, so a broken page fails its test. */
export function recordPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}${name}.png`;
  await page.screenshot({ path });
  return path;
}
