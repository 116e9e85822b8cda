export * from './env-config.js';
export * from './errors.js';
export * from './events.js';
export * from './geo/index.js';
export * from './order-state.js';
export * from './pricing.js';
export * from './regions.js';
export * from './schemas/index.js';
