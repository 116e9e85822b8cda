import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { OfferExpiryJob } from '../live-deps.js';

export const OFFER_EXPIRY_QUEUE = 'offer-expiry';

export function bullPrefixFor(prefix: string): string {
  return `${prefix}:{bull}`;
}

export function createOfferExpiryQueue(connection: Redis, prefix: string): Queue<OfferExpiryJob> {
  return new Queue<OfferExpiryJob>(OFFER_EXPIRY_QUEUE, { connection, prefix: bullPrefixFor(prefix) });
}

/** One delayed job per offer (job id = offer id, so scheduling twice is harmless). */
export async function scheduleOfferExpiries(
  queue: Queue<OfferExpiryJob>,
  offers: readonly { offerId: string; region: string; delayMs: number }[],
): Promise<void> {
  if (offers.length === 0) return;
  await queue.addBulk(
    offers.map((o) => ({
      name: 'expire',
      data: { offerId: o.offerId, region: o.region },
      opts: {
        jobId: `offer-${o.offerId}`,
        delay: Math.max(0, o.delayMs),
        attempts: 20,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: { age: 24 * 3600 },
      },
    })),
  );
}
