// The dispatcher's public module: what the api may import (Postgres order writes, queue and index
// writes, offer decisions).
export * from './pg/order-events.js';
export * from './pg/order-row.js';
export * from './pg/pool.js';
export * from './pg/transition-order.js';
export * from './queue/dispatch-queue.js';
