import { DomainError } from '@o2o/domain';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { LiveDeps, OfferExpiryJob } from '../live-deps.js';
import { closeOffer } from './answer-offer.js';
import { bullPrefixFor, OFFER_EXPIRY_QUEUE } from './offer-expiry.js';

/**
 * Expires offers nobody answered: each offer's delayed job closes it as `expired` (a no-op when
 * the courier answered first) and returns its orders to the queue.
 */
export function startOfferExpiryWorker(
  connection: Redis,
  deps: LiveDeps,
  onExpired?: (job: OfferExpiryJob, requeued: string[]) => void,
): Worker<OfferExpiryJob> {
  return new Worker<OfferExpiryJob>(
    OFFER_EXPIRY_QUEUE,
    async (job) => {
      try {
        const result = await closeOffer(deps, job.data.offerId, 'expired', null);
        if (result.closed) onExpired?.(job.data, result.requeued);
      } catch (err) {
        if (err instanceof DomainError && err.code === 'not_found') return;
        throw err;
      }
    },
    { connection, prefix: bullPrefixFor(deps.prefix), concurrency: 50 },
  );
}
