import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** The dispatch loop's Lua scripts, by name: file `<name>-<numKeys>.lua` beside this one. */
const SCRIPTS = {
  renewLease: 1,
  releaseLease: 1,
  acceptOffer: 3,
  closeOffer: 2,
  openOffer: 2,
} as const;

export type LoopScript = keyof typeof SCRIPTS;

const loaded = new WeakSet<Redis>();

/** Defines the loop's scripts on a client once (ioredis sends EVALSHA, loading on first use). */
export function loadLoopScripts(redis: Redis): void {
  if (loaded.has(redis)) return;
  for (const [name, numberOfKeys] of Object.entries(SCRIPTS)) {
    const lua = readFileSync(new URL(`./${name}-${numberOfKeys}.lua`, import.meta.url), 'utf8');
    redis.defineCommand(name, { lua, numberOfKeys });
  }
  loaded.add(redis);
}

/** Runs one of the loop's scripts; its integer reply. */
export async function runLoopScript(
  redis: Redis,
  name: LoopScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<number> {
  loadLoopScripts(redis);
  const method: unknown = Reflect.get(redis, name);
  if (typeof method !== 'function') throw new Error(`script ${name} is not loaded`);
  return Number(await Reflect.apply(method, redis, [...keys, ...args]));
}
