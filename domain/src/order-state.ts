/**
 * The order state machine of DESIGN.md as a transition table. Every status change anywhere in the
 * system asks `canTransition` first; the table is tested exhaustively.
 */
export const ORDER_STATUSES = [
  'created',
  'dispatching',
  'assigned',
  'at_pickup',
  'picked_up',
  'at_dropoff',
  'delivered',
  'canceled',
  'failed',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Who asks for a change: some moves are allowed to one actor only (e.g. cancel after pickup). */
export type Actor = 'store' | 'courier' | 'dispatcher' | 'operator' | 'system';

type Table = Readonly<Record<OrderStatus, Readonly<Partial<Record<OrderStatus, readonly Actor[]>>>>>;

const ANY_STAFF: readonly Actor[] = ['operator', 'system'];

export const ORDER_TRANSITIONS: Table = {
  created: {
    dispatching: ['dispatcher', 'system'],
    assigned: ['dispatcher', 'operator'],
    canceled: ['store', 'operator', 'system'],
    failed: ANY_STAFF,
  },
  dispatching: {
    assigned: ['dispatcher', 'operator'],
    canceled: ['store', 'operator', 'system'],
    failed: ANY_STAFF,
  },
  assigned: {
    // The courier drops out, or an operator reassigns: the order goes back to the queue.
    dispatching: ['courier', 'dispatcher', 'operator', 'system'],
    at_pickup: ['courier', 'operator'],
    picked_up: ['courier', 'operator'],
    canceled: ['store', 'operator', 'system'],
    failed: ANY_STAFF,
  },
  at_pickup: {
    dispatching: ['courier', 'dispatcher', 'operator', 'system'],
    picked_up: ['courier', 'operator'],
    canceled: ['store', 'operator', 'system'],
    failed: ANY_STAFF,
  },
  picked_up: {
    at_dropoff: ['courier', 'operator'],
    delivered: ['courier', 'operator'],
    // After pickup only an operator may cancel (the goods are on their way).
    canceled: ['operator'],
    failed: ['courier', 'operator', 'system'],
  },
  at_dropoff: {
    delivered: ['courier', 'operator'],
    canceled: ['operator'],
    failed: ['courier', 'operator', 'system'],
  },
  delivered: {},
  canceled: {},
  failed: {},
};

export const FINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['delivered', 'canceled', 'failed']);

/** Statuses in which the order waits for a courier and belongs in the dispatch queue. */
export const PENDING_STATUSES: ReadonlySet<OrderStatus> = new Set(['created', 'dispatching']);

export function isOrderStatus(value: string): value is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(value);
}

/** True when `actor` may move an order from `from` to `to`. */
export function canTransition(from: OrderStatus, to: OrderStatus, actor: Actor): boolean {
  const allowed = ORDER_TRANSITIONS[from][to];
  return allowed?.includes(actor) === true;
}

/** True when some actor may make the move at all. */
export function isTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from][to] !== undefined;
}
