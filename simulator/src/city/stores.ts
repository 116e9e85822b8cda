import { DEFAULT_VEHICLE_SPEEDS_MPS, type Vehicle } from '@o2o/domain';
import type { ApiClient } from './api-client.js';
import type { CityPlan } from './city-plan.js';
import { DROPOFF_SERVICE_S, PICKUP_SERVICE_S } from './courier-agent.js';
import type { DemandOrder } from './demand.js';
import { type CityRecorder, FINAL } from './recorder.js';
import type { SimClock } from './sim-clock.js';
import { shortestRoute } from './street-graph.js';

/**
 * The city's stores as clients of the store API: they place the demand's orders (with a ready
 * time from the preparation time), cancel what nobody took after a while, and read their orders'
 * statuses back.
 */

export interface StoreAccount {
  id: string;
  apiKey: string;
}

const CUSTOMER_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Donald',
  'Frances',
  'Ken',
  'Radia',
  'Tim',
];
const ITEMS = [
  'Pizza Margherita',
  'Ramen',
  'Falafel wrap',
  'Green salad',
  'Burger',
  'Curry',
  'Sushi box',
  'Tacos',
];

export class CityStores {
  private placed = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      clock: SimClock;
      plan: CityPlan;
      api: ApiClient;
      recorder: CityRecorder;
      accounts: StoreAccount[];
      /** Prefix of external ids and idempotency keys, unique per run. */
      runTag: string;
      /** Fleet's fastest vehicle: the lower bound of a ride. */
      fastestVehicle: Vehicle;
      warn(message: string, err?: unknown): void;
    },
  ) {}

  /** Places `order` (a demand order due now) through `POST /v1/orders`; never throws. */
  place(order: DemandOrder): void {
    const task = this.placeOne(order).catch((err: unknown) => {
      this.deps.recorder.placeFailures++;
      this.deps.warn('placing an order failed', err);
    });
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  /** Waits for the orders being placed right now. */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async placeOne(order: DemandOrder): Promise<void> {
    const { clock, plan, api, recorder, accounts, runTag } = this.deps;
    const n = ++this.placed;
    const store = plan.stores[order.store]!;
    const account = accounts[order.store]!;
    const customerNode = store.customers[order.customer]!;
    const customer = plan.graph.nodes[customerNode]!;
    const readyS = order.at_s + order.prep_s;
    const key = `${runTag}-${n}`;
    const answer = await api.call<{ id?: string; handoff_pin?: string; tracking_url?: string }>(
      'POST',
      '/v1/orders',
      {
        bearer: account.apiKey,
        headers: { 'idempotency-key': key },
        body: {
          external_id: key,
          pickup: { lat: store.lat, lng: store.lng, address: store.name },
          dropoff: { lat: round6(customer.lat), lng: round6(customer.lng), address: `Door ${customerNode}` },
          customer: { name: CUSTOMER_NAMES[n % CUSTOMER_NAMES.length]! },
          items: [{ name: ITEMS[n % ITEMS.length]!, quantity: 1 + (n % 3) }],
          ready_at: new Date(clock.toWallMs(readyS)).toISOString(),
        },
      },
    );
    if (answer.status !== 201 || !answer.body.id || !answer.body.handoff_pin) {
      throw new Error(
        `POST /v1/orders answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`,
      );
    }
    const ride = shortestRoute(plan.graph, store.node, customerNode);
    const rideS = ride.meters / DEFAULT_VEHICLE_SPEEDS_MPS[this.deps.fastestVehicle];
    recorder.orders.set(answer.body.id, {
      id: answer.body.id,
      store_id: account.id,
      placed_s: recorder.rel(order.at_s),
      ready_s: recorder.rel(readyS),
      assigned_s: null,
      picked_up_s: null,
      delivered_s: null,
      final_status: 'created',
      lower_bound_s: Math.round(order.prep_s + PICKUP_SERVICE_S + rideS + DROPOFF_SERVICE_S),
      courier_id: null,
      storeIndex: order.store,
      customerNode,
      pin: answer.body.handoff_pin,
      tracking_url: answer.body.tracking_url ?? '',
    });
  }

  /**
   * Cancels the orders nobody has taken within `afterS` simulated seconds of placing them (all
   * not yet picked up when `everything`), as a store would; the api decides (409 once picked up).
   */
  async cancelStale(afterS: number, everything = false): Promise<number> {
    const { recorder, clock } = this.deps;
    const now = recorder.rel(clock.now());
    let canceled = 0;
    for (const o of recorder.orders.values()) {
      if (FINAL.has(o.final_status) || o.picked_up_s !== null) continue;
      if (!everything && (o.assigned_s !== null || now - o.placed_s < afterS)) continue;
      const account = this.deps.accounts[o.storeIndex]!;
      const answer = await this.deps.api.call<{ status?: string }>('POST', `/v1/orders/${o.id}/cancel`, {
        bearer: account.apiKey,
        body: { reason: everything ? 'the simulated city closed' : 'nobody took it in time' },
      });
      if (answer.status === 200) {
        o.final_status = 'canceled';
        canceled++;
      }
    }
    return canceled;
  }

  /** Reads the status of every order not final here from the store API (the system's truth). */
  async refreshStatuses(): Promise<void> {
    const { recorder } = this.deps;
    for (const o of recorder.orders.values()) {
      if (FINAL.has(o.final_status)) continue;
      const account = this.deps.accounts[o.storeIndex]!;
      const answer = await this.deps.api.call<{ status?: string; courier_id?: string | null }>(
        'GET',
        `/v1/orders/${o.id}`,
        { bearer: account.apiKey },
      );
      if (answer.status !== 200 || !answer.body.status) continue;
      o.final_status = answer.body.status;
      if (answer.body.courier_id) o.courier_id = answer.body.courier_id;
    }
  }
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
