import { DomainError, type RegionConfig } from '@o2o/domain';
import { loopKeys } from '../keys.js';
import type { RegionLease } from '../lease/region-lease.js';
import type { LiveDeps } from '../live-deps.js';
import { rebuildRegion, regionStateIsAlive } from '../recovery/rebuild-region.js';
import { type CycleOptions, type CycleReport, runCycle } from './run-cycle.js';

export interface RunnerEvents {
  onCycle?: (report: CycleReport) => void;
  onError?: (err: unknown) => void;
  /** The fence went stale: another dispatcher holds the region now. */
  onLost?: () => void;
}

/**
 * Runs a region's cycles while its lease is held: one every `windowSeconds`, or sooner once
 * `earlyCycleOrders` orders wait (the queue length is polled every 50 ms). Before a cycle it
 * checks that Redis still has the region's live state and rebuilds it from Postgres if not.
 */
export class RegionRunner {
  private stopped = false;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: LiveDeps,
    readonly lease: RegionLease,
    private readonly config: RegionConfig,
    private readonly cycleOptions: CycleOptions = {},
    private readonly events: RunnerEvents = {},
  ) {}

  start(): void {
    this.loopDone = this.loop();
  }

  /** Stops after the cycle in progress, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    const keys = loopKeys(this.deps.prefix, this.lease.region);
    const windowMs = this.config.windowSeconds * 1000;
    let lastCycle = 0;
    // An early cycle only helps when the last one could place something: a backlog nobody can
    // take (no courier near) waits for the window like everything else.
    let lastCycleCommitted = true;
    while (!this.stopped) {
      const sinceLast = Date.now() - lastCycle;
      if (sinceLast < windowMs) {
        const waiting = lastCycleCommitted ? await this.deps.redis.zcard(keys.queue).catch(() => 0) : 0;
        if (waiting < this.config.earlyCycleOrders) {
          await sleep(Math.min(50, windowMs - sinceLast));
          continue;
        }
      }
      lastCycle = Date.now();
      try {
        if (!(await regionStateIsAlive(this.deps, this.lease.region))) {
          await rebuildRegion(this.deps, this.lease.region);
        }
        const report = await runCycle(this.deps, this.lease, this.config, this.cycleOptions);
        lastCycleCommitted = report.jobs + report.offers > 0;
        this.events.onCycle?.(report);
      } catch (err) {
        if (err instanceof DomainError && err.code === 'stale_fence') {
          this.stopped = true;
          this.events.onLost?.();
          return;
        }
        this.events.onError?.(err);
        await sleep(200);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
