import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PlanePoint } from '../../../domain/src/geo/travel-time.js';

/** One order of an MDRP instance. Times are whole minutes from the start of the day. */
export interface MdrpOrder {
  id: string;
  dropoff: PlanePoint;
  placedAt: number;
  restaurantId: string;
  readyAt: number;
}

export interface MdrpCourier {
  id: string;
  start: PlanePoint;
  onAt: number;
  offAt: number;
}

export interface MdrpParameters {
  metersPerMinute: number;
  pickupServiceMinutes: number;
  dropoffServiceMinutes: number;
  targetClickToDoorMinutes: number;
  maxClickToDoorMinutes: number;
  payPerOrder: number;
  guaranteedPayPerHour: number;
}

/** A Grubhub Meal Delivery Routing Problem instance (see /work/shared/mdrp/README.md). */
export interface MdrpInstance {
  name: string;
  parameters: MdrpParameters;
  orders: MdrpOrder[];
  couriers: MdrpCourier[];
  restaurants: Map<string, PlanePoint>;
}

/** Rows of a tab-separated file with one header line, as string cells. */
function readTable(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim().length > 0)
    .map((line) => line.trim().split(/\s+/));
}

function num(cell: string | undefined, where: string): number {
  const value = Number(cell);
  if (cell === undefined || !Number.isFinite(value)) throw new Error(`${where}: not a number: ${cell}`);
  return value;
}

/** Reads an instance folder (orders, couriers, restaurants, instance_parameters). */
export function readMdrpInstance(dir: string): MdrpInstance {
  const at = (file: string) => path.join(dir, file);
  const restaurants = new Map<string, PlanePoint>();
  for (const [id, x, y] of readTable(at('restaurants.txt'))) {
    restaurants.set(id!, { x: num(x, 'restaurants.txt x'), y: num(y, 'restaurants.txt y') });
  }
  const orders = readTable(at('orders.txt')).map(([id, x, y, placed, restaurantId, ready]): MdrpOrder => {
    if (!restaurants.has(restaurantId!))
      throw new Error(`orders.txt: ${id} names unknown restaurant ${restaurantId}`);
    return {
      id: id!,
      dropoff: { x: num(x, `order ${id} x`), y: num(y, `order ${id} y`) },
      placedAt: num(placed, `order ${id} placement_time`),
      restaurantId: restaurantId!,
      readyAt: num(ready, `order ${id} ready_time`),
    };
  });
  const couriers = readTable(at('couriers.txt')).map(
    ([id, x, y, on, off]): MdrpCourier => ({
      id: id!,
      start: { x: num(x, `courier ${id} x`), y: num(y, `courier ${id} y`) },
      onAt: num(on, `courier ${id} on_time`),
      offAt: num(off, `courier ${id} off_time`),
    }),
  );
  const p = readTable(at('instance_parameters.txt'))[0] ?? [];
  const parameters: MdrpParameters = {
    metersPerMinute: num(p[0], 'meters_per_minute'),
    pickupServiceMinutes: num(p[1], 'pickup service minutes'),
    dropoffServiceMinutes: num(p[2], 'dropoff service minutes'),
    targetClickToDoorMinutes: num(p[3], 'target click-to-door'),
    maxClickToDoorMinutes: num(p[4], 'maximum click-to-door'),
    payPerOrder: num(p[5], 'pay per order'),
    guaranteedPayPerHour: num(p[6], 'guaranteed pay per hour'),
  };
  return { name: path.basename(path.resolve(dir)), parameters, orders, couriers, restaurants };
}

/** The restaurant of an order (its pickup point). */
export function restaurantOf(instance: MdrpInstance, order: MdrpOrder): PlanePoint {
  const point = instance.restaurants.get(order.restaurantId);
  if (!point) throw new Error(`unknown restaurant ${order.restaurantId}`);
  return point;
}
