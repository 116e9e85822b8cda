export { type RegionKeys, regionKeys } from '../keys.js';
export type { CourierIndex } from './courier-index.js';
export { INDEX_FAILURES, IndexError, type IndexFailure } from './errors.js';
export { cellToHeatCell } from './heat.js';
export { MemoryCourierIndex, type MemoryCourierIndexOptions } from './memory-courier-index.js';
export { RedisCourierIndex, type RedisCourierIndexOptions } from './redis-courier-index.js';
export { cellToRings, ringsCoveringRadius, searchCenter } from './rings.js';
export * from './types.js';
