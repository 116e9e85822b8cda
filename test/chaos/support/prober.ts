import { sleep } from './ports.js';

/**
 * Asks the api the same few questions every `everyMs` while a fault runs, and counts the
 * answers: how many 503s (and whether each had Retry-After), and any 500.
 */
export class Prober {
  readonly byStatus = new Map<string, number>();
  unavailableWithoutRetryAfter = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly apiUrl: () => string,
    private readonly requests: { path: string; headers?: Record<string, string> }[],
    private readonly everyMs = 100,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await Promise.all(this.requests.map((r) => this.ask(r.path, r.headers ?? {})));
        await sleep(this.everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  count(status: string): number {
    return this.byStatus.get(status) ?? 0;
  }

  private async ask(path: string, headers: Record<string, string>): Promise<void> {
    let status = 'network';
    try {
      const response = await fetch(`${this.apiUrl()}${path}`, { headers, signal: AbortSignal.timeout(5000) });
      status = String(response.status);
      if (response.status === 503 && !response.headers.get('retry-after'))
        this.unavailableWithoutRetryAfter += 1;
      await response.arrayBuffer();
    } catch {
      // refused or timed out: counted as `network`
    }
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }
}
