export * from './auth.js';
export * from './common.js';
export * from './courier.js';
export * from './orders.js';
export * from './quotes.js';
export * from './sockets.js';
export * from './tracking.js';
export * from './webhooks.js';
