import {
  CourierLocationSchema,
  isErrorCode,
  JobStatusSchema,
  ManualAssignSchema,
  OfferDecisionSchema,
} from '@o2o/domain';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connected, useSocketClients } from '../../api/test/socket-clients.js';
import { useSecurityApi } from './support/harness.js';
import { fuzzValue, type JsonSchema, jsonJunk } from './support/schema-arbitrary.js';

const LONG = process.env.O2O_CHAOS === 'long';
/** Inbound events per run: at least 10,000 in the long version. */
const EVENTS = LONG ? 10_200 : 600;
const SEED = Number(process.env.O2O_FUZZ_SEED ?? Date.now() % 2 ** 31);
const SOCKETS_PER_NAMESPACE = LONG ? 30 : 12;

// The fuzzer spreads its events over many sockets of one account (the per-account cap has a test
// of its own, socket-caps.test.ts).
const api = useSecurityApi({
  config: { MAX_SOCKETS_PER_ACCOUNT: 1000, MAX_SOCKETS_PER_TRACKING_LINK: 1000 },
});
const clients = useSocketClients();
const figures = {
  events: 0,
  acked: 0,
  notAcked: 0,
  byCode: {} as Record<string, number>,
  internalAcks: 0,
  unexpectedDisconnects: 0,
  rawFrames: 0,
};
afterAll(() => {
  console.info(
    `[security] socket fuzz: ${figures.events} inbound events (seed ${SEED}) + ${figures.rawFrames} raw frames; ` +
      `acked ${figures.acked}, sent without ack ${figures.notAcked}; ack codes ${JSON.stringify(figures.byCode)}; ` +
      `internal-error acks: ${figures.internalAcks}; unexpected disconnects: ${figures.unexpectedDisconnects}`,
  );
});

interface EventPlan {
  namespace: '/courier' | '/track' | '/ops';
  event: string;
  args: unknown[];
  /** Whether the last argument is an ack callback (the server must call it). */
  withAck: boolean;
}

const INBOUND: { namespace: EventPlan['namespace']; event: string; schema: JsonSchema }[] = [
  { namespace: '/courier', event: 'location', schema: CourierLocationSchema as JsonSchema },
  { namespace: '/courier', event: 'offer:accept', schema: OfferDecisionSchema as JsonSchema },
  { namespace: '/courier', event: 'offer:decline', schema: OfferDecisionSchema as JsonSchema },
  { namespace: '/courier', event: 'job:status', schema: JobStatusSchema as JsonSchema },
  { namespace: '/ops', event: 'assign', schema: ManualAssignSchema as JsonSchema },
  // /track has no inbound events: whatever a customer sends is acked `forbidden`.
  { namespace: '/track', event: 'status', schema: {} },
  {
    namespace: '/track',
    event: 'join',
    schema: { type: 'object', properties: { order_id: { type: 'string', format: 'uuid' } } },
  },
];

function planArbitrary(knownIds: string[]): fc.Arbitrary<EventPlan> {
  const withKnownIds = (v: unknown, pick: number) => {
    // Real ids now and then, so accept, decline, job steps and assign reach the database.
    if (v && typeof v === 'object' && !Array.isArray(v) && pick < 0.4) {
      const o = { ...(v as Record<string, unknown>) };
      for (const k of ['order_id', 'offer_id', 'courier_id'])
        if (k in o) o[k] = knownIds[Math.floor(pick * 1000) % knownIds.length];
      return o;
    }
    return v;
  };
  const known = fc.oneof(
    ...INBOUND.map(({ namespace, event, schema }) =>
      fc
        .tuple(
          fuzzValue(schema),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.constantFrom('ack', 'ack', 'ack', 'none', 'binary', 'extra-args', 'no-payload'),
        )
        .map(([payload, pick, shape]): EventPlan => {
          const p = withKnownIds(payload, pick);
          switch (shape) {
            case 'none':
              return { namespace, event, args: [p], withAck: false };
            case 'binary':
              return { namespace, event, args: [Buffer.from(JSON.stringify(p) ?? 'x')], withAck: true };
            case 'extra-args':
              return { namespace, event, args: [p, 'extra', { more: 1 }], withAck: false };
            case 'no-payload':
              return { namespace, event, args: [], withAck: false };
            default:
              return { namespace, event, args: [p], withAck: true };
          }
        }),
    ),
  );
  const unknown = fc
    .tuple(
      fc.constantFrom<EventPlan['namespace']>('/courier', '/track', '/ops'),
      fc.constantFrom('hello', 'offer', 'job', 'positions', '__proto__', 'constructor', 'x'.repeat(500)),
      jsonJunk,
    )
    .map(([namespace, event, payload]): EventPlan => ({ namespace, event, args: [payload], withAck: false }));
  return fc.oneof({ arbitrary: known, weight: 9 }, { arbitrary: unknown, weight: 1 });
}

function emit(socket: Socket, plan: EventPlan): Promise<unknown> {
  if (!plan.withAck) {
    socket.emit(plan.event, ...plan.args);
    return Promise.resolve(undefined);
  }
  return socket.timeout(5000).emitWithAck(plan.event, ...plan.args);
}

describe('socket fuzzing: every inbound event of /courier, /track and /ops', () => {
  let sockets: Record<EventPlan['namespace'], Socket[]>;
  let knownIds: string[];

  beforeAll(async () => {
    const store = await api.store();
    const onJob = await api.courier();
    const crowd = await api.courier({ kind: 'crowd' });
    const operator = await api.operator(['city']);
    const assigned = await api.order(store);
    const offered = await api.order(store);
    await api.assign(assigned.id, onJob);
    const offerId = await api.offer(offered.id, crowd);
    knownIds = [assigned.id, offered.id, offerId, onJob.id, crowd.id];
    const open = async (namespace: string, token: string) => {
      const s = clients.connect(api.baseUrl, namespace, token);
      await connected(s);
      s.on('disconnect', (reason) => {
        if (reason !== 'io client disconnect') figures.unexpectedDisconnects++;
      });
      return s;
    };
    const n = SOCKETS_PER_NAMESPACE;
    sockets = {
      '/courier': await Promise.all(
        Array.from({ length: n }, (_, i) => open('/courier', (i % 2 ? onJob : crowd).token)),
      ),
      '/ops': await Promise.all(Array.from({ length: n }, () => open('/ops', operator.token))),
      '/track': await Promise.all(Array.from({ length: n }, () => open('/track', assigned.token))),
    };
  });

  it(
    'acks every malformed event with a catalogue code or ignores it, and keeps serving',
    async () => {
      // Messages over the 16 KiB limit drop their socket by design (limits.test.ts): kept out here,
      // so that every event below is one the server must answer or ignore.
      const fits = (plan: EventPlan) => Buffer.byteLength(JSON.stringify(plan.args) ?? '') < 12_000;
      const plans = fc
        .sample(planArbitrary(knownIds), { numRuns: Math.ceil(EVENTS * 1.3), seed: SEED })
        .filter(fits)
        .slice(0, EVENTS);
      expect(plans).toHaveLength(EVENTS);
      const failures: string[] = [];
      const next: Record<string, number> = { '/courier': 0, '/ops': 0, '/track': 0 };
      // Rounds of one event per socket at most, paced so the per-socket limits (5 a second)
      // let most events through to validation rather than refusing them all as rate_limited.
      const perRound = SOCKETS_PER_NAMESPACE;
      for (let start = 0; start < plans.length; start += perRound * 3) {
        const round = plans.slice(start, start + perRound * 3);
        const roundStarted = Date.now();
        await Promise.all(
          round.map(async (plan) => {
            const pool = sockets[plan.namespace];
            const socket = pool[next[plan.namespace]!++ % pool.length]!;
            figures.events++;
            try {
              const ack = (await emit(socket, plan)) as { ok?: unknown; code?: unknown } | undefined;
              if (!plan.withAck) {
                figures.notAcked++;
                return;
              }
              figures.acked++;
              const code = ack?.ok === true ? 'ok' : String(ack?.code);
              figures.byCode[code] = (figures.byCode[code] ?? 0) + 1;
              if (typeof ack?.ok !== 'boolean' || (ack.ok === false && !isErrorCode(code)))
                failures.push(`bad ack ${JSON.stringify(ack)} to ${plan.namespace} ${plan.event}`);
              if (code === 'internal' || code === 'dependency_unavailable') {
                figures.internalAcks++;
                failures.push(
                  `${code} for ${plan.namespace} ${plan.event} ${JSON.stringify(plan.args).slice(0, 300)}`,
                );
              }
            } catch (err) {
              failures.push(
                `no ack in 5 s for ${plan.namespace} ${plan.event}: ${String(err)} ${JSON.stringify(plan.args).slice(0, 200)}`,
              );
            }
          }),
        );
        const elapsed = Date.now() - roundStarted;
        if (elapsed < 210) await new Promise((r) => setTimeout(r, 210 - elapsed));
      }
      expect(failures.slice(0, 20), `seed ${SEED}`).toEqual([]);
      expect(api.gatewayErrors).toEqual([]);
      expect(figures.unexpectedDisconnects).toBe(0);

      // Still serving: a fresh courier's position is acked and HTTP answers.
      const fresh = clients.connect(api.baseUrl, '/courier', (await api.courier()).token);
      await connected(fresh);
      expect(await fresh.timeout(2000).emitWithAck('location', { lat: 52.5, lng: 13.4 })).toEqual({
        ok: true,
      });
      expect((await api.call('GET', '/health/ready')).status).toBe(200);
    },
    LONG ? 600_000 : 60_000,
  );

  it('survives malformed Socket.IO frames on a raw WebSocket and closes only that connection', async () => {
    const courier = await api.courier();
    const frames: (string | Buffer)[] = [
      '4',
      '42',
      '42[',
      '42["location"',
      '42{"a":1}',
      '42/courier,',
      `40/courier,{"token":"${courier.token}"}`,
      '42/courier,0["location",{"lat":1,"lng":1}]',
      '42/courier,["location",{"lat":"x"}]',
      '451-/courier,["location",{"_placeholder":true,"num":0}]',
      '452-/courier,1["job:status",{"_placeholder":true,"num":7}]',
      '42/nope,["x"]',
      '49',
      `42/courier,${'['.repeat(5000)}`,
      Buffer.from([0xff, 0x00, 0x13, 0x37]),
      '\u0000\u0001',
    ];
    for (const frame of frames) {
      const ws = new WebSocket(`${api.baseUrl.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.send(`40/courier,{"token":"${courier.token}"}`);
      ws.send(frame);
      figures.rawFrames++;
      await new Promise((r) => setTimeout(r, 30));
      ws.terminate();
    }
    expect(api.gatewayErrors).toEqual([]);
    const fresh = clients.connect(api.baseUrl, '/courier', courier.token);
    await connected(fresh);
    expect(await fresh.timeout(2000).emitWithAck('location', { lat: 52.5, lng: 13.4 })).toEqual({ ok: true });
  });
});
