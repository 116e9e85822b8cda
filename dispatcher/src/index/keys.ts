/**
 * Every Redis key of the courier index is built here. Each carries the region as a hash tag
 * (`{region}`), so all keys one script touches live on one Redis Cluster slot; scripts build
 * cell and courier keys from the prefixes below, which is safe for the same reason.
 */
export interface RegionKeys {
  /**
   * Prefix of the per-cell hashes `${cellPrefix}${h3}`: courier id → card (the courier's state,
   * position and capacity as one string), for the idle and busy couriers in the cell.
   */
  readonly cellPrefix: string;
  /** Prefix of the per-courier hashes: `${courierPrefix}${id}`. */
  readonly courierPrefix: string;
  /** Sorted set courier id → last seen (epoch ms), for evicting silent couriers. */
  readonly seen: string;
  /** Hash index cell → number of idle couriers in it. */
  readonly idle: string;
  /** Hash heat cell → number of waiting orders. */
  readonly heat: string;
  cell(h3: string): string;
  courier(id: string): string;
}

/** Keys of one region under `prefix` (e.g. `o2o:idx`; tests use a random prefix). */
export function regionKeys(prefix: string, region: string): RegionKeys {
  if (region.length === 0 || /[{}]/.test(region))
    throw new Error(`invalid region name: ${JSON.stringify(region)}`);
  const base = `${prefix}:{${region}}:`;
  const cellPrefix = `${base}cell:`;
  const courierPrefix = `${base}courier:`;
  return {
    cellPrefix,
    courierPrefix,
    seen: `${base}seen`,
    idle: `${base}idle`,
    heat: `${base}heat`,
    cell: (h3) => cellPrefix + h3,
    courier: (id) => courierPrefix + id,
  };
}
