import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourier, createOperator } from '../../api/src/cli/accounts.js';
import { orderBody } from '../../api/test/helper.js';
import { useSocketClients } from '../../api/test/socket-clients.js';
import { type Actor, type CreatedOrder, useSecurityApi } from './support/harness.js';
import { operationsOf } from './support/openapi-requests.js';

/**
 * docs/access-matrix.md is the specification: this file parses its tables and runs every cell.
 * Each cell gets fresh data (an order of store A in the state the row needs), so cells cannot
 * disturb each other.
 */
const ROLES = [
  'store A',
  'store B',
  'courier on the job',
  'another courier',
  'customer link',
  'expired link',
  'operator',
  'operator elsewhere',
  'none',
] as const;
type Role = (typeof ROLES)[number];

const api = useSecurityApi({ config: { RATE_LIMIT_PER_MINUTE: 1_000_000 } });
const clients = useSocketClients();
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The table rows of a markdown section: first cell (without backticks) → the other cells. */
function parseTable(markdown: string, heading: string): { header: string[]; rows: Map<string, string[]> } {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(heading));
  if (!section) throw new Error(`no "## ${heading}" section in docs/access-matrix.md`);
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
  const header = cells(lines[0]!).slice(1);
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(2)) {
    const [first, ...rest] = cells(line);
    const key = /`([^`]+)`/.exec(first ?? '')?.[1];
    if (key) rows.set(key, rest);
  }
  return { header, rows };
}

const matrix = readFileSync(here('../../docs/access-matrix.md'), 'utf8');
const httpTable = parseTable(matrix, 'HTTP');
const socketTable = parseTable(matrix, 'Socket.IO');

type Need = 'created' | 'assigned' | 'offered' | 'delivered';

interface Scenario {
  order: CreatedOrder;
  onJob: Actor;
  offerId?: string;
  /** Built only where a cell uses it: an order of store A that ended three hours ago. */
  expired(): Promise<CreatedOrder>;
}

interface Fixed {
  storeA: { id: string; apiKey: string; auth: { authorization: string } };
  storeB: { id: string; apiKey: string; auth: { authorization: string } };
  another: Actor;
  operator: Actor;
  elsewhere: Actor;
  courierLogin: { email: string; password: string };
  operatorLogin: { email: string; password: string };
  receiver: Server;
  receiverUrl: string;
}
let fixed: Fixed;

beforeAll(async () => {
  const receiver = createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const [storeA, storeB] = [await api.store('A'), await api.store('B')];
  for (const store of [storeA, storeB])
    await api.call('PUT', '/v1/webhook', { headers: store.auth, body: { url: receiverUrl } });
  const courierEmail = `matrix-${randomBytes(4).toString('hex')}@example.com`;
  await createCourier(api.pool, {
    name: 'Login',
    email: courierEmail,
    password: 'courier-pw',
    kind: 'crowd',
    vehicle: 'bike',
    region: 'city',
  });
  const operatorEmail = `matrix-op-${randomBytes(4).toString('hex')}@example.com`;
  await createOperator(api.pool, {
    name: 'Op',
    email: operatorEmail,
    password: 'operator-pw',
    regions: ['city'],
  });
  const another = await api.courier();
  await api.goOnline(another);
  fixed = {
    storeA,
    storeB,
    another,
    operator: await api.operator(['city']),
    elsewhere: await api.operator(['elsewhere']),
    courierLogin: { email: courierEmail, password: 'courier-pw' },
    operatorLogin: { email: operatorEmail, password: 'operator-pw' },
    receiver,
    receiverUrl,
  };
});

afterAll(async () => {
  await new Promise((r) => fixed?.receiver.close(r));
});

async function deliver(order: CreatedOrder, courier: Actor): Promise<void> {
  await api.assign(order.id, courier);
  for (const status of ['at_pickup', 'picked_up', 'at_dropoff', 'delivered']) {
    const res = await api.call('POST', `/v1/courier/jobs/${order.id}/status`, {
      headers: courier.auth,
      body: { status, ...(status === 'delivered' ? { pin: order.pin } : {}) },
    });
    if (res.status !== 200) throw new Error(`step ${status}: ${res.status} ${res.text}`);
  }
}

async function scenario(need: Need): Promise<Scenario> {
  const onJob = await api.courier({ kind: need === 'offered' ? 'crowd' : 'in_house' });
  await api.goOnline(onJob);
  const order = await api.order(fixed.storeA);
  const s: Scenario = {
    order,
    onJob,
    async expired() {
      const ended = await api.order(fixed.storeA);
      await deliver(ended, await api.courier());
      await api.pool.query(`UPDATE orders SET updated_at = now() - interval '3 hours' WHERE id = $1`, [
        ended.id,
      ]);
      return ended;
    },
  };
  if (need === 'assigned') await api.assign(order.id, onJob);
  if (need === 'offered') s.offerId = await api.offer(order.id, onJob);
  if (need === 'delivered') await deliver(order, onJob);
  return s;
}

function headerOf(role: Role, s: Scenario): Record<string, string> {
  switch (role) {
    case 'store A':
      return fixed.storeA.auth;
    case 'store B':
      return fixed.storeB.auth;
    case 'courier on the job':
      return s.onJob.auth;
    case 'another courier':
      return fixed.another.auth;
    case 'operator':
      return fixed.operator.auth;
    case 'operator elsewhere':
      return fixed.elsewhere.auth;
    default:
      return {};
  }
}

async function socketTokenOf(role: Role, s: Scenario): Promise<string | undefined> {
  switch (role) {
    case 'store A':
      return fixed.storeA.apiKey;
    case 'store B':
      return fixed.storeB.apiKey;
    case 'courier on the job':
      return s.onJob.token;
    case 'another courier':
      return fixed.another.token;
    case 'customer link':
      return s.order.token;
    case 'expired link':
      return (await s.expired()).token;
    case 'operator':
      return fixed.operator.token;
    case 'operator elsewhere':
      return fixed.elsewhere.token;
    default:
      return undefined;
  }
}

/** The tracking token a role holds: the live link, the expired one, or a guess (the id with a forged MAC). */
async function trackingTokenOf(role: Role, s: Scenario): Promise<string> {
  if (role === 'customer link') return s.order.token;
  if (role === 'expired link') return (await s.expired()).token;
  const bytes = Buffer.from(s.order.token, 'base64url');
  randomBytes(16).copy(bytes, 16);
  return bytes.toString('base64url');
}

const outcome = (status: number) => `${status < 300 ? '✓' : '✗'} ${status}`;

type Runner = (role: Role, s: Scenario) => Promise<string>;
interface Row {
  need: Need;
  run: Runner;
}

function http(
  method: string,
  path: (s: Scenario) => string,
  body?: (s: Scenario) => unknown,
  check?: (role: Role, s: Scenario, reply: Awaited<ReturnType<typeof api.call>>) => void,
): Runner {
  return async (role, s) => {
    const reply = await api.call(method, path(s), {
      headers: { ...headerOf(role, s), 'idempotency-key': `idem-${randomBytes(8).toString('hex')}` },
      ...(body ? { body: body(s) } : {}),
    });
    if (reply.status >= 400) expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    check?.(role, s, reply);
    return outcome(reply.status);
  };
}

const point = { lat: 52.52, lng: 13.405 };
/** Lists answer 200 to every caller of the right kind, with only the caller's own rows. */
const listsOwnOnly =
  (owner: Role, find: (body: unknown, s: Scenario) => boolean) =>
  (role: Role, s: Scenario, reply: { status: number; body: unknown }) => {
    if (reply.status === 200)
      expect(find(reply.body, s), `${role} sees store A's order`).toBe(role === owner);
  };
const hasOrder = (body: unknown, s: Scenario) =>
  ((body as { data: { id: string }[] }).data ?? []).some((o) => o.id === s.order.id);

const HTTP_ROWS: Record<string, Row> = {
  'POST /v1/quotes': {
    need: 'created',
    run: http(
      'POST',
      () => '/v1/quotes',
      () => ({ pickup: point, dropoff: { lat: 52.53, lng: 13.42 } }),
    ),
  },
  'POST /v1/orders': {
    need: 'created',
    run: http(
      'POST',
      () => '/v1/orders',
      () => orderBody(),
    ),
  },
  'GET /v1/orders': {
    need: 'created',
    run: http('GET', () => '/v1/orders?limit=100', undefined, listsOwnOnly('store A', hasOrder)),
  },
  'GET /v1/orders/{id}': { need: 'created', run: http('GET', (s) => `/v1/orders/${s.order.id}`) },
  'GET /v1/orders/{id}/events': {
    need: 'created',
    run: http('GET', (s) => `/v1/orders/${s.order.id}/events`),
  },
  'POST /v1/orders/{id}/cancel': {
    need: 'created',
    run: http(
      'POST',
      (s) => `/v1/orders/${s.order.id}/cancel`,
      () => ({}),
    ),
  },
  'GET /v1/webhook': { need: 'created', run: http('GET', () => '/v1/webhook') },
  'PUT /v1/webhook': {
    need: 'created',
    run: http(
      'PUT',
      () => '/v1/webhook',
      () => ({ url: fixed.receiverUrl }),
    ),
  },
  'POST /v1/webhook/rotate-secret': { need: 'created', run: http('POST', () => '/v1/webhook/rotate-secret') },
  'POST /v1/webhook/test': { need: 'created', run: http('POST', () => '/v1/webhook/test') },
  'POST /v1/auth/courier/login': {
    need: 'created',
    run: http(
      'POST',
      () => '/v1/auth/courier/login',
      () => fixed.courierLogin,
    ),
  },
  'POST /v1/auth/operator/login': {
    need: 'created',
    run: http(
      'POST',
      () => '/v1/auth/operator/login',
      () => fixed.operatorLogin,
    ),
  },
  'POST /v1/courier/online': {
    need: 'created',
    run: http(
      'POST',
      () => '/v1/courier/online',
      () => point,
    ),
  },
  'POST /v1/courier/offline': { need: 'created', run: http('POST', () => '/v1/courier/offline') },
  'POST /v1/courier/positions': {
    need: 'created',
    run: http(
      'POST',
      () => '/v1/courier/positions',
      () => ({ positions: [point] }),
    ),
  },
  'GET /v1/courier/offers': {
    need: 'offered',
    run: http(
      'GET',
      () => '/v1/courier/offers',
      undefined,
      (role, s, reply) => {
        if (reply.status === 200)
          expect((reply.body.data as { offer_id: string }[]).some((o) => o.offer_id === s.offerId)).toBe(
            role === 'courier on the job',
          );
      },
    ),
  },
  'POST /v1/courier/offers/{id}/accept': {
    need: 'offered',
    run: http('POST', (s) => `/v1/courier/offers/${s.offerId}/accept`),
  },
  'POST /v1/courier/offers/{id}/decline': {
    need: 'offered',
    run: http('POST', (s) => `/v1/courier/offers/${s.offerId}/decline`),
  },
  'GET /v1/courier/jobs': {
    need: 'assigned',
    run: http(
      'GET',
      () => '/v1/courier/jobs',
      undefined,
      (role, s, reply) => {
        if (reply.status === 200)
          expect((reply.body.data as { order_id: string }[]).some((o) => o.order_id === s.order.id)).toBe(
            role === 'courier on the job',
          );
      },
    ),
  },
  'POST /v1/courier/jobs/{orderId}/status': {
    need: 'assigned',
    run: http(
      'POST',
      (s) => `/v1/courier/jobs/${s.order.id}/status`,
      () => ({ status: 'at_pickup' }),
    ),
  },
  'POST /v1/courier/jobs/{orderId}/drop': {
    need: 'assigned',
    run: http('POST', (s) => `/v1/courier/jobs/${s.order.id}/drop`),
  },
  'POST /v1/ops/orders/{id}/assign': {
    need: 'created',
    run: http(
      'POST',
      (s) => `/v1/ops/orders/${s.order.id}/assign`,
      (s) => ({ courier_id: s.onJob.id }),
    ),
  },
  'POST /v1/ops/orders/{id}/cancel': {
    need: 'created',
    run: http('POST', (s) => `/v1/ops/orders/${s.order.id}/cancel`),
  },
  'GET /v1/ops/alerts': { need: 'created', run: http('GET', () => '/v1/ops/alerts') },
  'GET /v1/ops/webhooks/dead': { need: 'created', run: http('GET', () => '/v1/ops/webhooks/dead') },
  'GET /v1/ops/couriers': {
    need: 'created',
    run: http(
      'GET',
      () => '/v1/ops/couriers',
      undefined,
      listsOwnOnly('operator', (body, s) =>
        (body as { data: { id: string }[] }).data.some((c) => c.id === s.onJob.id),
      ),
    ),
  },
  'GET /v1/ops/orders': {
    need: 'created',
    run: http('GET', () => '/v1/ops/orders', undefined, listsOwnOnly('operator', hasOrder)),
  },
  'GET /v1/ops/orders?region=city': { need: 'created', run: http('GET', () => '/v1/ops/orders?region=city') },
  'GET /v1/ops/heat': { need: 'created', run: http('GET', () => '/v1/ops/heat') },
  'GET /v1/ops/kpis': { need: 'created', run: http('GET', () => '/v1/ops/kpis') },
  'GET /v1/track/{token}': {
    need: 'created',
    run: async (role, s) => {
      const reply = await api.call('GET', `/v1/track/${await trackingTokenOf(role, s)}`, {
        headers: headerOf(role, s),
      });
      return outcome(reply.status);
    },
  },
  'POST /v1/track/{token}/rating': {
    need: 'delivered',
    run: async (role, s) => {
      const reply = await api.call('POST', `/v1/track/${await trackingTokenOf(role, s)}/rating`, {
        headers: headerOf(role, s),
        body: { stars: 5 },
      });
      return outcome(reply.status);
    },
  },
  'GET /v1/city/map': { need: 'created', run: http('GET', () => '/v1/city/map') },
  'GET /health/live': { need: 'created', run: http('GET', () => '/health/live') },
  'GET /health/ready': { need: 'created', run: http('GET', () => '/health/ready') },
};

/** Connects as the role; the refusal message when the handshake is refused. */
async function connectAs(namespace: string, role: Role, s: Scenario): Promise<Socket | string> {
  const socket = clients.connect(api.baseUrl, namespace, await socketTokenOf(role, s));
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => resolve(err.message));
  });
}

function socketEvent(namespace: string, event: string, payload: (s: Scenario) => unknown): Runner {
  return async (role, s) => {
    const socket = await connectAs(namespace, role, s);
    if (typeof socket === 'string') return `✗ ${socket}`;
    const ack = (await socket.timeout(5000).emitWithAck(event, payload(s))) as { ok: boolean; code?: string };
    return ack.ok ? '✓ ok' : `✗ ${ack.code}`;
  };
}

const connectRow =
  (namespace: string): Runner =>
  async (role, s) => {
    const socket = await connectAs(namespace, role, s);
    return typeof socket === 'string' ? `✗ ${socket}` : '✓ connects';
  };

const SOCKET_ROWS: Record<string, Row> = {
  '/courier connect': { need: 'created', run: connectRow('/courier') },
  '/courier location': { need: 'created', run: socketEvent('/courier', 'location', () => point) },
  '/courier offer:accept': {
    need: 'offered',
    run: socketEvent('/courier', 'offer:accept', (s) => ({ offer_id: s.offerId })),
  },
  '/courier offer:decline': {
    need: 'offered',
    run: socketEvent('/courier', 'offer:decline', (s) => ({ offer_id: s.offerId })),
  },
  '/courier job:status': {
    need: 'assigned',
    run: socketEvent('/courier', 'job:status', (s) => ({ order_id: s.order.id, status: 'at_pickup' })),
  },
  '/track connect': { need: 'created', run: connectRow('/track') },
  '/track any event': {
    need: 'created',
    run: socketEvent('/track', 'subscribe', (s) => ({ order_id: s.order.id })),
  },
  '/ops connect': { need: 'created', run: connectRow('/ops') },
  '/ops assign': {
    need: 'created',
    run: socketEvent('/ops', 'assign', (s) => ({ order_id: s.order.id, courier_id: s.onJob.id })),
  },
  '/ops positions': {
    need: 'created',
    run: async (role, s) => {
      const socket = await connectAs('/ops', role, s);
      if (typeof socket === 'string') return `✗ ${socket}`;
      const seen = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 1500);
        socket.on('positions', (batch: { couriers: { id: string }[] }) => {
          if (batch.couriers.some((c) => c.id === s.onJob.id)) {
            clearTimeout(timer);
            resolve(true);
          }
        });
      });
      const courier = clients.connect(api.baseUrl, '/courier', s.onJob.token);
      await new Promise<void>((r) => courier.once('connect', () => r()));
      await courier.timeout(2000).emitWithAck('location', { lat: 52.521, lng: 13.406 });
      return (await seen) ? '✓ receives' : '✗ nothing';
    },
  },
};

/** Runs one row's cells (in parallel: each has its own scenario) and returns the outcomes. */
async function runRow(row: Row): Promise<string[]> {
  return Promise.all(ROLES.map(async (role) => row.run(role, await scenario(row.need))));
}

describe('the access matrix of docs/access-matrix.md', () => {
  it('has the nine callers as columns of both tables', () => {
    expect(httpTable.header).toEqual([...ROLES]);
    expect(socketTable.header).toEqual([...ROLES]);
  });

  it('has a row for every operation of api/openapi.json and a runner for every row', () => {
    const operations = operationsOf(here('../../api/openapi.json')).map((op) => `${op.method} ${op.path}`);
    const documented = [...httpTable.rows.keys()];
    expect(operations.filter((op) => !documented.includes(op))).toEqual([]);
    expect(documented.filter((row) => !HTTP_ROWS[row])).toEqual([]);
    expect([...socketTable.rows.keys()].filter((row) => !SOCKET_ROWS[row])).toEqual([]);
  });

  it('has a row for every inbound event the gateway listens to', () => {
    for (const [file, namespace] of [
      ['courier-namespace.ts', '/courier'],
      ['ops-namespace.ts', '/ops'],
    ] as const) {
      const source = readFileSync(here(`../../api/src/gateway/${file}`), 'utf8');
      const events = [...source.matchAll(/socket\.on\(\s*'([^']+)'/g)].map((m) => m[1]);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events)
        expect(socketTable.rows.has(`${namespace} ${event}`), `${namespace} ${event}`).toBe(true);
    }
  });

  // HTTP rows share no sockets, so they run a few at a time (vitest's maxConcurrency).
  describe.concurrent('HTTP', () => {
    for (const [key, cells] of httpTable.rows) {
      it(`${key}: ${cells.map((c, i) => `${ROLES[i]} ${c}`).join(', ')}`, async ({ expect }) => {
        const row = HTTP_ROWS[key];
        if (!row) throw new Error(`no runner for ${key}`);
        const outcomes = await runRow(row);
        expect(Object.fromEntries(ROLES.map((r, i) => [r, outcomes[i]]))).toEqual(
          Object.fromEntries(ROLES.map((r, i) => [r, cells[i]])),
        );
      });
    }
  });

  for (const [key, cells] of socketTable.rows) {
    it(`${key}: ${cells.map((c, i) => `${ROLES[i]} ${c}`).join(', ')}`, async () => {
      const row = SOCKET_ROWS[key];
      if (!row) throw new Error(`no runner for ${key}`);
      const outcomes = await runRow(row);
      expect(Object.fromEntries(ROLES.map((r, i) => [r, outcomes[i]]))).toEqual(
        Object.fromEntries(ROLES.map((r, i) => [r, cells[i]])),
      );
    });
  }
});
