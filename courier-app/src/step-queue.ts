import type { JobStatus } from '@o2o/domain';
import { stored } from './storage.js';

export type JobStep = JobStatus['status'];

/** A job step the courier took, kept until the server confirmed it. */
export interface QueuedStep {
  client_step_id: string;
  order_id: string;
  status: JobStep;
  pin?: string;
  queued_at_ms: number;
}

/** What sending one step gave: the server's answer, or `retry` when it could not be sent now. */
export type StepOutcome =
  | { ok: true; status: string }
  | { ok: false; code: string; detail?: string }
  | 'retry';

/** Codes that say "not now" rather than "no": the step stays queued. */
const TRANSIENT = new Set(['rate_limited', 'internal', 'dependency_unavailable']);

/**
 * The courier's job steps, in the order they were taken, persisted in localStorage so a reload or
 * a dead network loses none. `flush` sends them oldest first and stops at the first one that
 * cannot be sent now; the server treats a replayed step as success, so sending twice is harmless.
 * A refused step (wrong PIN, job taken away) is dropped with the later steps of the same order.
 */
export class StepQueue {
  private readonly store = stored<QueuedStep[]>('steps', []);
  private steps: QueuedStep[] = this.store.get();
  private flushing: Promise<void> | null = null;

  get pending(): readonly QueuedStep[] {
    return this.steps;
  }

  /** The last queued status of an order, if any: what the courier already did. */
  latestFor(orderId: string): QueuedStep | undefined {
    return this.steps.findLast((s) => s.order_id === orderId);
  }

  add(step: Omit<QueuedStep, 'client_step_id' | 'queued_at_ms'>): QueuedStep {
    const queued: QueuedStep = { ...step, client_step_id: crypto.randomUUID(), queued_at_ms: Date.now() };
    this.steps.push(queued);
    this.store.set(this.steps);
    return queued;
  }

  clear(): void {
    this.steps = [];
    this.store.clear();
  }

  flush(
    send: (step: QueuedStep) => Promise<StepOutcome>,
    onResult: (step: QueuedStep, outcome: Exclude<StepOutcome, 'retry'>) => void,
  ): Promise<void> {
    this.flushing ??= this.drain(send, onResult).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drain(
    send: (step: QueuedStep) => Promise<StepOutcome>,
    onResult: (step: QueuedStep, outcome: Exclude<StepOutcome, 'retry'>) => void,
  ): Promise<void> {
    for (let head = this.steps[0]; head; head = this.steps[0]) {
      const outcome = await send(head);
      if (outcome === 'retry' || (!outcome.ok && TRANSIENT.has(outcome.code))) return;
      this.steps = outcome.ok
        ? this.steps.slice(1)
        : this.steps.filter((s) => s === head || s.order_id !== head.order_id).slice(1);
      this.store.set(this.steps);
      onResult(head, outcome);
    }
  }
}
