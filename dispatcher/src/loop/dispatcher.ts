import { randomUUID } from 'node:crypto';
import { regionConfigFrom } from '@o2o/domain';
import { releaseLease, renewLease, tryAcquireLease } from '../lease/region-lease.js';
import type { LiveDeps } from '../live-deps.js';
import { rebuildRegion } from '../recovery/rebuild-region.js';
import { RegionRunner, type RunnerEvents } from './region-runner.js';
import type { CycleOptions } from './run-cycle.js';

export interface DispatcherOptions {
  /** Regions this process may run; all regions in Postgres when absent. */
  regions?: readonly string[];
  /** Lease time to live; a dead holder's regions are taken over within about two of these. */
  leaseTtlMs: number;
  holderId?: string;
  cycle?: CycleOptions;
  events?: RunnerEvents & {
    /** The lease is taken; the region's live state is being rebuilt from Postgres. */
    onLeaseTaken?: (region: string, fence: number) => void;
    onAcquired?: (region: string, fence: number) => void;
    onReleased?: (region: string) => void;
  };
}

/**
 * A dispatcher process's regions: every third of the lease TTL it renews the leases it holds
 * and tries to take the free ones. Taking a region over rebuilds its live state from Postgres
 * first, then starts its runner; losing the lease (or the fence) stops the runner.
 */
export class Dispatcher {
  readonly holderId: string;
  private readonly runners = new Map<string, RegionRunner>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly deps: LiveDeps,
    private readonly options: DispatcherOptions,
  ) {
    this.holderId = options.holderId ?? `dispatcher-${randomUUID().slice(0, 8)}`;
  }

  /** Regions this process currently runs. */
  heldRegions(): string[] {
    return [...this.runners.keys()];
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(
      () => {
        this.ticking = this.ticking
          .then(() => this.tick())
          .catch((err: unknown) => this.options.events?.onError?.(err));
      },
      Math.max(50, Math.floor(this.options.leaseTtlMs / 3)),
    );
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    for (const [region, runner] of this.runners) {
      await runner.stop();
      await releaseLease(this.deps.redis, this.deps.prefix, runner.lease).catch(() => undefined);
      this.options.events?.onReleased?.(region);
    }
    this.runners.clear();
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    const regions = this.options.regions ?? (await this.allRegions());
    for (const region of regions) {
      const runner = this.runners.get(region);
      if (runner) {
        const renewed = await renewLease(
          this.deps.redis,
          this.deps.prefix,
          runner.lease,
          this.options.leaseTtlMs,
        ).catch(() => false);
        if (!renewed) await this.drop(region, runner);
        continue;
      }
      const lease = await tryAcquireLease(
        this.deps.redis,
        this.deps.pool,
        this.deps.prefix,
        region,
        this.holderId,
        this.options.leaseTtlMs,
      );
      if (!lease || this.closed) continue;
      this.options.events?.onLeaseTaken?.(region, lease.fence);
      await rebuildRegion(this.deps, region);
      const config = await this.regionConfig(region);
      const next = new RegionRunner(this.deps, lease, config, this.options.cycle, {
        ...this.options.events,
        onLost: () => {
          void this.drop(region, next);
          this.options.events?.onLost?.();
        },
      });
      this.runners.set(region, next);
      next.start();
      this.options.events?.onAcquired?.(region, lease.fence);
    }
  }

  private async drop(region: string, runner: RegionRunner): Promise<void> {
    if (this.runners.get(region) !== runner) return;
    this.runners.delete(region);
    await runner.stop();
    this.options.events?.onReleased?.(region);
  }

  private async allRegions(): Promise<string[]> {
    const result = await this.deps.pool.query<{ id: string }>('SELECT id FROM regions ORDER BY id');
    return result.rows.map((r) => r.id);
  }

  private async regionConfig(region: string) {
    const result = await this.deps.pool.query<{ config: unknown }>(
      'SELECT config FROM regions WHERE id = $1',
      [region],
    );
    return regionConfigFrom(result.rows[0]?.config);
  }
}
