import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openJobOffer, tryAcquireLease } from '@o2o/dispatcher';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourier } from '../../api/src/cli/accounts.js';
import { idempotencyKey, orderBody, useTestApi } from '../../api/test/helper.js';

/**
 * The courier app and the tracking page in a real browser against a real api (Postgres, Redis,
 * Socket.IO gateway) that serves their builds: a courier signs in, goes online, takes an offer,
 * rides (demo route), loses the network for one step, is refused a wrong PIN and delivers; the
 * customer watches the courier move, sees "Delivered" and rates. Screenshots go to test-output/.
 */

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(ROOT, 'test-output', 'courier-and-tracking');
const APPS = ['courier-app', 'tracking-page'] as const;

function newestMtimeMs(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry !== 'dist' && entry !== 'node_modules')
      newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  }
  return newest;
}

/** Builds an app whose sources (or web-common's) are newer than its dist (`npm run build:web` does all). */
function buildIfStale(folder: string): void {
  const built = join(ROOT, folder, 'dist', 'index.html');
  const sources = Math.max(newestMtimeMs(join(ROOT, folder)), newestMtimeMs(join(ROOT, 'web-common', 'src')));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: join(ROOT, folder),
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`vite build failed in ${folder}`);
}

const hasChromium = existsSync(CHROMIUM);

// Before the api is built: it serves the apps' dist folders that exist when it starts.
beforeAll(() => {
  if (hasChromium) for (const app of APPS) buildIfStale(app);
}, 180_000);

const api = useTestApi();

describe.runIf(hasChromium)('courier app and tracking page (chromium)', () => {
  let browser: Browser;
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-gpu',
        '--disable-component-update',
        '--no-first-run',
        // WebGL for the maps through the software rasteriser.
        '--enable-unsafe-swiftshader',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A phone-sized context that records every request leaving the machine and every page error. */
  async function phone(): Promise<BrowserContext> {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'en-GB',
      timezoneId: 'Europe/Berlin',
    });
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (['data:', 'blob:'].includes(url.protocol)) return;
      if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') foreignRequests.push(request.url());
    });
    context.on('page', (page) => {
      page.on('pageerror', (err) => pageErrors.push(err.message));
      page.on('websocket', (ws) => {
        if (!new URL(ws.url()).hostname.match(/^(127\.0\.0\.1|localhost)$/)) foreignRequests.push(ws.url());
      });
    });
    return context;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
  const text = (page: Page, selector: string) =>
    page
      .locator(selector)
      .first()
      .textContent()
      .then((t) => t ?? '');

  async function newOrder(storeName: string) {
    const store = await api.newStore(storeName);
    const res = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody({
        pickup: { lat: 52.5219, lng: 13.4132, address: 'Alexanderplatz 1, 10178 Berlin' },
        dropoff: { lat: 52.5302, lng: 13.4012, address: 'Kastanienallee 12, 10435 Berlin' },
        customer: { name: 'Ada Lovelace', phone: '+49 30 1234567' },
      }),
      headers: { 'idempotency-key': idempotencyKey() },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; tracking_url: string; handoff_pin: string };
  }

  async function offerTo(courierId: string, orderId: string) {
    await api.redis.del(`${api.config.REDIS_PREFIX}:{city}:lease`);
    const lease = await tryAcquireLease(
      api.redis,
      api.pool,
      api.config.REDIS_PREFIX,
      'city',
      'browser-test',
      60_000,
    );
    const [opened] = await openJobOffer(api.live, lease!, {
      orderIds: [orderId],
      courierIds: [courierId],
      payCents: 450,
      ttlSeconds: 45,
    });
    return opened!;
  }

  const statusOf = async (orderId: string) =>
    (await api.pool.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [orderId])).rows[0]
      ?.status;

  it('a courier takes an offer and delivers with the PIN while the customer watches, then rates', async () => {
    const courier = await createCourier(api.pool, {
      name: 'Mia',
      email: 'mia@example.com',
      password: 'correct horse',
      kind: 'crowd',
      vehicle: 'bike',
      region: 'city',
    });
    const order = await newOrder('Pizza Roma');
    const token = order.tracking_url.split('/track/')[1]!;

    const courierCtx = await phone();
    const app = await courierCtx.newPage();
    await app.goto(`${api.baseUrl}/app/courier/?demo=1`);
    await app.fill('input[name=email]', 'mia@example.com');
    await app.fill('input[name=password]', 'correct horse');
    await shot(app, '01-courier-sign-in');
    await app.click('button[type=submit]');
    await app.locator('[data-testid=link]', { hasText: 'Live' }).waitFor();
    await app.click('[data-action=toggle-online]');
    await app.locator('[data-testid=shift-state]', { hasText: 'You are online' }).waitFor();
    await app.waitForTimeout(600); // the map settles
    await shot(app, '02-courier-online');

    const customerCtx = await phone();
    const tracker = await customerCtx.newPage();
    await tracker.goto(`${api.baseUrl}/track/${token}`);
    await tracker.locator('#headline', { hasText: 'Looking for a courier' }).waitFor();
    await tracker.locator('.marker.store').waitFor({ state: 'attached' }); // the map has loaded
    await shot(tracker, '03-tracking-looking-for-courier');

    // The dispatcher's way of offering a job; the app gets it live over /courier.
    const opened = await offerTo(courier.id, order.id);
    const offerCard = app.locator(`[data-offer-id="${opened.offerId}"]`);
    await offerCard.waitFor();
    expect(await text(app, '[data-testid=offer-pay]')).toContain('4.50');
    await shot(app, '04-courier-offer');
    await offerCard.locator('[data-action=accept]').click();
    await app.locator('[data-testid=job][data-status=assigned]').waitFor();
    expect(await statusOf(order.id)).toBe('assigned');
    await app.waitForTimeout(600);
    await shot(app, '05-courier-job');

    // The customer sees the courier (demo ride towards the store) and a live ETA that changes.
    const eta = tracker.locator('[data-testid=eta]');
    await eta.waitFor({ timeout: 10_000 });
    const before = (await eta.textContent()) ?? '';
    await expect.poll(() => eta.textContent(), { timeout: 10_000 }).not.toBe(before);
    await tracker.locator('.marker.courier').waitFor({ state: 'attached' });
    await shot(tracker, '06-tracking-courier-moving');

    await app.getByRole('button', { name: 'I’m at the store' }).click();
    await app.locator('[data-testid=job][data-status=at_pickup]').waitFor();
    await app.getByRole('button', { name: 'Order picked up' }).click();
    await app.locator('[data-testid=job][data-status=picked_up]').waitFor();
    await expect.poll(() => statusOf(order.id), { timeout: 10_000 }).toBe('picked_up');

    // A short network loss: the step is kept on the phone and sent once the network is back.
    await courierCtx.setOffline(true);
    await app.locator('[data-testid=link]', { hasText: 'No network' }).waitFor();
    await app.getByRole('button', { name: 'I’m at the customer' }).click();
    await app.locator('[data-testid=queued]').waitFor();
    await app.locator('[data-testid=link]', { hasText: '1 queued' }).waitFor();
    await shot(app, '07-courier-offline-step-queued');
    expect(await statusOf(order.id)).toBe('picked_up');
    await courierCtx.setOffline(false);
    await app.locator('[data-testid=link]', { hasText: /^Live$/ }).waitFor({ timeout: 15_000 });
    await app.locator('[data-testid=queued]').waitFor({ state: 'detached' });
    await expect.poll(() => statusOf(order.id), { timeout: 10_000 }).toBe('at_dropoff');

    // A wrong PIN is refused, clearly; the right one delivers.
    const wrong = String((Number(order.handoff_pin) + 1) % 10_000).padStart(4, '0');
    await app.fill('[data-testid=pin]', wrong);
    await app.getByRole('button', { name: 'Hand over' }).click();
    await app.locator('[data-testid=pin-error]', { hasText: 'Wrong PIN' }).waitFor();
    await shot(app, '08-courier-wrong-pin');
    expect(await statusOf(order.id)).toBe('at_dropoff');
    await app.fill('[data-testid=pin]', order.handoff_pin);
    await app.getByRole('button', { name: 'Hand over' }).click();
    await app.locator('[data-testid=job]').waitFor({ state: 'detached' });
    expect(await statusOf(order.id)).toBe('delivered');
    expect(await text(app, '[data-testid=earnings]')).toContain('4.50');
    await shot(app, '09-courier-delivered');

    await tracker.locator('#headline', { hasText: 'Delivered' }).waitFor({ timeout: 10_000 });
    await tracker.locator('[data-testid=rating-form]').waitFor();
    await shot(tracker, '10-tracking-delivered');
    await tracker.click('[data-stars="5"]');
    await tracker.fill('textarea[name=comment]', 'Fast and friendly!');
    await tracker.getByRole('button', { name: 'Send rating' }).click();
    await tracker.locator('[data-testid=rated]').waitFor();
    await shot(tracker, '11-tracking-rated');

    const rated = await api.pool.query('SELECT stars, comment, courier_id FROM ratings WHERE order_id = $1', [
      order.id,
    ]);
    expect(rated.rows).toEqual([{ stars: 5, comment: 'Fast and friendly!', courier_id: courier.id }]);
    const outbox = await api.pool.query(
      `SELECT type FROM outbox WHERE order_id = $1 AND type = 'order.rated'`,
      [order.id],
    );
    expect(outbox.rowCount).toBe(1);

    await courierCtx.close();
    await customerCtx.close();
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('tells the customer when a link has expired or is not valid', async () => {
    const order = await newOrder('Sushi Go');
    await api.pool.query(
      `UPDATE orders SET status = 'canceled', updated_at = now() - interval '3 hours' WHERE id = $1`,
      [order.id],
    );
    const ctx = await phone();
    const page = await ctx.newPage();
    await page.goto(order.tracking_url.replace(/^https?:\/\/[^/]+/, api.baseUrl));
    await page.locator('#headline', { hasText: 'This link has expired' }).waitFor();
    await page.locator('[data-testid=notice]').waitFor();
    await shot(page, '12-tracking-link-expired');
    await page.goto(`${api.baseUrl}/track/not-a-real-token`);
    await page.locator('#headline', { hasText: 'This link is not valid' }).waitFor();
    await shot(page, '13-tracking-link-invalid');
    await ctx.close();
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
