// The dispatcher's public module: what the api may import (Postgres order writes, the queue,
// the courier index, offer answers, job steps and manual assignment).

export * from './courier-availability.js';
export * from './index/index.js';
export * from './jobs/assign-job.js';
export * from './jobs/job-steps.js';
export * from './keys.js';
export * from './lease/fence.js';
export * from './lease/region-lease.js';
export * from './live-deps.js';
export * from './loop/dispatcher.js';
export * from './loop/run-cycle.js';
export * from './metrics.js';
export * from './notify.js';
export * from './offers/answer-offer.js';
export * from './offers/expiry-worker.js';
export * from './offers/offer-expiry.js';
export * from './offers/open-offers.js';
export * from './pg/order-events.js';
export * from './pg/order-row.js';
export * from './pg/pool.js';
export * from './pg/transition-order.js';
export * from './queue/dispatch-queue.js';
export * from './recovery/rebuild-region.js';
export * from './redis-client.js';
