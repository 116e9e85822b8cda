import { Redis } from 'ioredis';
import { loadIndexScripts } from './index/script-loader.js';
import { loadLoopScripts } from './lua/scripts.js';

/**
 * The dispatcher's main Redis connection: auto-pipelined, with every Lua script defined before
 * its first command. With auto-pipelining, a script defined later (on first use) is missing from
 * a pipeline opened before it in the same tick: ioredis rejects that call, then crashes the
 * process when the pipeline's replies come back ("results[i] is not iterable"). It happened to a
 * standby dispatcher the moment it took a region over (found by test/chaos/dispatcher-kill).
 */
export function createDispatcherRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  loadLoopScripts(redis);
  loadIndexScripts(redis);
  return redis;
}
