import type { CourierIndex, CourierPing } from '@o2o/dispatcher';

/**
 * Collects courier positions from all sockets of this process and writes them to the index in
 * one pipelined batch every `intervalMs`, then tells `onFlushed` which pings were applied (for
 * the tracking and ops fan-out). A courier's newer ping replaces its older one in the same batch.
 */
export class PingBatcher {
  private pending = new Map<string, CourierPing>();
  private timer: NodeJS.Timeout;

  constructor(
    private readonly index: CourierIndex,
    private readonly onFlushed: (pings: CourierPing[]) => void,
    private readonly onError: (err: unknown) => void,
    intervalMs = 50,
    /** Pings of couriers the index does not know (it lost them): they must go online again. */
    private readonly onUnknown: (pings: CourierPing[]) => void = () => undefined,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
  }

  add(ping: CourierPing): void {
    const key = `${ping.region}:${ping.courierId}`;
    const previous = this.pending.get(key);
    if (!previous || previous.atMs <= ping.atMs) this.pending.set(key, ping);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      const summary = await this.index.ingestPings(batch);
      this.onFlushed(batch);
      if (summary.unknownCourierIds.length > 0) {
        const unknown = new Set(summary.unknownCourierIds);
        this.onUnknown(batch.filter((p) => unknown.has(p.courierId)));
      }
    } catch (err) {
      this.onError(err);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
