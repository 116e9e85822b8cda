/** The api's answers this console reads (api/src/plugins/web-apps.ts and the ops routes). */

export interface Operator {
  id: string;
  name: string;
  regions: string[];
}

export interface OpsCourier {
  id: string;
  name: string;
  region_id: string;
  kind: 'in_house' | 'crowd';
  vehicle: string;
  state: 'idle' | 'busy' | 'offline';
  rating_avg: number | null;
  rating_count: number;
  lat: number;
  lng: number;
  load: number;
  capacity: number;
  last_seen_at: string;
}

export interface OpsOrder {
  id: string;
  region_id: string;
  external_id: string;
  store_name: string;
  status: string;
  courier_id: string | null;
  pickup: { lat: number; lng: number; address: string | null };
  dropoff: { lat: number; lng: number; address: string | null };
  created_at: string;
  wait_seconds: number;
  late: boolean;
}

export interface HeatCell {
  region_id: string;
  cell: string;
  idle_couriers: number;
  waiting_orders: number;
}

export interface Kpis {
  waiting_orders: number;
  late_orders: number;
  assigned_orders: number;
  oldest_wait_seconds: number | null;
  delivered_last_hour: number;
  offers_last_hour: { accepted: number; declined: number; expired: number };
  acceptance_rate: number | null;
  assign_time_seconds: number | null;
  cycle_time_seconds: number | null;
}

export interface Alert {
  id: string;
  region_id: string;
  order_id: string | null;
  kind: string;
  data: Record<string, unknown>;
  created_at: string;
}

export interface DeadWebhook {
  id: string;
  store_id: string;
  order_id: string | null;
  type: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
}

/** One `/ops` socket `positions` message: the latest position per courier since the last tick. */
export interface PositionsDelta {
  region: string;
  couriers: { id: string; lat: number; lng: number; at: number }[];
}
