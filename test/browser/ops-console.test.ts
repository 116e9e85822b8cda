import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourier, createOperator } from '../../api/src/cli/accounts.js';
import { idempotencyKey, orderBody, useTestApi } from '../../api/test/helper.js';
import {
  CHROMIUM_PATH,
  ensureBuilt,
  hasChromium,
  launchChromium,
  recordForeignRequests,
  recordPageErrors,
  screenshot,
} from './support.js';

const COURIERS = 40;
// Generous per-test limits: chromium renders the map in software (no GPU) on a shared machine.

describe.runIf(hasChromium)(`ops console in chromium (skipped: no browser at ${CHROMIUM_PATH})`, () => {
  const api = useTestApi();
  let browser: Browser;
  const operator = { email: `ops-${randomBytes(4).toString('hex')}@example.com`, password: 'ops-pw' };
  const couriers: string[] = [];
  let orderId = '';

  beforeAll(async () => {
    ensureBuilt('ops-console');
    browser = await launchChromium();
    await createOperator(api.pool, { name: 'Olga Operator', ...operator, regions: ['city'] });
    // Couriers spread over the centre of the city, every third one in-house.
    for (let i = 0; i < COURIERS; i++) {
      const email = `bc${i}-${randomBytes(3).toString('hex')}@example.com`;
      const c = await createCourier(api.pool, {
        name: `Courier ${i + 1}`,
        email,
        password: 'pw',
        kind: i % 3 === 0 ? 'in_house' : 'crowd',
        vehicle: i % 2 === 0 ? 'bike' : 'scooter',
        region: 'city',
      });
      couriers.push(c.id);
      const login = await api.call('POST', '/v1/auth/courier/login', { body: { email, password: 'pw' } });
      const angle = (i / COURIERS) * Math.PI * 2 * 3;
      const radius = 0.004 + (i / COURIERS) * 0.03;
      await api.call('POST', '/v1/courier/online', {
        headers: { authorization: `Bearer ${login.body.token}` },
        body: { lat: 52.52 + Math.sin(angle) * radius * 0.6, lng: 13.405 + Math.cos(angle) * radius },
      });
    }
    const store = await api.newStore('Kiez Bäckerei');
    const created = await api.call('POST', '/v1/orders', {
      apiKey: store.apiKey,
      body: orderBody({ external_id: 'ORD-1042' }),
      headers: { 'idempotency-key': idempotencyKey() },
    });
    expect(created.status).toBe(201);
    orderId = created.body.id;
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('logs in, shows the couriers and the waiting order, and assigns it by hand', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const foreign = recordForeignRequests(page);
    const errors = recordPageErrors(page);

    await page.goto(`${api.baseUrl}/app/ops/`);
    await page.getByLabel('Email').fill(operator.email);
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Wrong email or password.').waitFor();
    await screenshot(page, 'ops-console-login');
    errors.length = 0; // the refused login's 401 is expected
    await page.getByLabel('Password').fill(operator.password);
    await page.getByRole('button', { name: 'Log in' }).click();

    // Every online courier is drawn on the map (the counter is the size of the map's source).
    await page.locator(`#stat-couriers[data-count="${COURIERS}"]`).waitFor({ timeout: 15_000 });
    await page.locator('#connection', { hasText: 'live' }).waitFor();
    await page.locator('#kpi-waiting strong', { hasText: '1' }).waitFor();
    const item = page.locator(`.order-item[data-order-id="${orderId}"]`);
    await item.waitFor();
    expect(await item.textContent()).toContain('Kiez Bäckerei');
    await page.waitForTimeout(600); // let the map finish drawing for the screenshot
    await screenshot(page, 'ops-console-map');

    await item.click();
    const panel = page.locator('#selected-order');
    await panel.waitFor();
    const assign = panel.locator('[data-assign-courier]').first();
    const courierId = await assign.getAttribute('data-assign-courier');
    expect(couriers).toContain(courierId);
    await page.waitForTimeout(800);
    await screenshot(page, 'ops-console-selected');
    await assign.click();
    await page.locator('.toast', { hasText: 'ORD-1042 assigned to Courier' }).waitFor();

    const row = await api.pool.query<{ status: string; courier_id: string }>(
      'SELECT status, courier_id FROM orders WHERE id = $1',
      [orderId],
    );
    expect(row.rows[0]).toEqual({ status: 'assigned', courier_id: courierId });
    await page.locator('[data-tab="assigned"] .count', { hasText: '1' }).waitFor();
    await screenshot(page, 'ops-console-assigned');

    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('fits a phone screen', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const foreign = recordForeignRequests(page);
    await page.goto(`${api.baseUrl}/app/ops/`);
    await page.getByLabel('Email').fill(operator.email);
    await page.getByLabel('Password').fill(operator.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator(`#stat-couriers[data-count="${COURIERS}"]`).waitFor({ timeout: 15_000 });
    await page.waitForTimeout(600);
    await screenshot(page, 'ops-console-phone');
    const overflow = await page.evaluate('document.documentElement.scrollWidth > window.innerWidth');
    expect(overflow).toBe(false);
    expect(foreign).toEqual([]);
    await context.close();
  }, 60_000);
});
