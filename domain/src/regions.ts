import { type Static, Type } from 'typebox';
import { StringUnion } from './schemas/common.js';

/**
 * How a region is dispatched. Stored as `regions.config` (JSON); missing fields take the
 * defaults below, so a bare region works.
 */
export const RegionConfigSchema = Type.Object(
  {
    /** Batch window W: a cycle runs at least this often, seconds. */
    windowSeconds: Type.Number({ minimum: 0.1, maximum: 60, default: 2 }),
    /** A cycle starts early once this many orders wait. */
    earlyCycleOrders: Type.Integer({ minimum: 1, default: 50 }),
    /** Candidate search stops at this distance from the store, meters. */
    maxRadiusMeters: Type.Number({ minimum: 100, maximum: 50_000, default: 5000 }),
    /** Couriers the index should find per store before the search stops widening. */
    candidatesPerOrder: Type.Integer({ minimum: 1, maximum: 200, default: 12 }),
    /** `single`: one crowd courier at a time; `top_k`: the best k at once, first accept wins. */
    offerPolicy: StringUnion(['single', 'top_k'], { default: 'single' }),
    topK: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
    offerTtlSeconds: Type.Integer({ minimum: 5, maximum: 600, default: 20 }),
    /** An order waiting longer than this raises an alert for operators, seconds. */
    alertWaitSeconds: Type.Integer({ minimum: 10, default: 600 }),
    /** Optional service area [west, south, east, north] in degrees; orders outside are refused. */
    bbox: Type.Optional(Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()])),
  },
  { additionalProperties: false },
);
export type RegionConfig = Static<typeof RegionConfigSchema>;

export const DEFAULT_REGION_CONFIG: RegionConfig = {
  windowSeconds: 2,
  earlyCycleOrders: 50,
  maxRadiusMeters: 5000,
  candidatesPerOrder: 12,
  offerPolicy: 'single',
  topK: 3,
  offerTtlSeconds: 20,
  alertWaitSeconds: 600,
};

/** A stored config merged over the defaults (unknown keys are dropped). */
export function regionConfigFrom(stored: unknown): RegionConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_REGION_CONFIG };
  if (stored && typeof stored === 'object') {
    for (const key of Object.keys(RegionConfigSchema.properties)) {
      const value = (stored as Record<string, unknown>)[key];
      if (value !== undefined) merged[key] = value;
    }
  }
  return merged as RegionConfig;
}
