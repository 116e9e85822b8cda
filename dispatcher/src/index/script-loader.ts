import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChainableCommander, Redis } from 'ioredis';

const LUA_DIR = fileURLToPath(new URL('./lua/', import.meta.url));
const INCLUDE = /^--- @include "([\w-]+)"$/gm;

/** The index's scripts, by command name (the file name before `-<numKeys>.lua`). */
export type ScriptName =
  | 'moveCouriers'
  | 'putCourier'
  | 'setState'
  | 'removeCourier'
  | 'evictSilent'
  | 'incrWaiting'
  | 'findCandidates'
  | 'getCourier';

const READ_ONLY: ReadonlySet<ScriptName> = new Set(['findCandidates', 'getCourier']);

export interface IndexScript {
  name: ScriptName;
  numberOfKeys: number;
  lua: string;
}

let cached: readonly IndexScript[] | undefined;

/** Reads lua/*.lua once, inlining `--- @include "name"` lines from lua/includes/. */
export function indexScripts(): readonly IndexScript[] {
  if (cached) return cached;
  const scripts: IndexScript[] = [];
  for (const file of readdirSync(LUA_DIR)) {
    const match = /^(\w+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    const source = readFileSync(LUA_DIR + file, 'utf8');
    const lua = source.replace(INCLUDE, (_, include: string) =>
      readFileSync(`${LUA_DIR}includes/${include}.lua`, 'utf8'),
    );
    scripts.push({ name: match[1] as ScriptName, numberOfKeys: Number(match[2]), lua });
  }
  cached = scripts;
  return scripts;
}

const loaded = new WeakSet<Redis>();

/** Defines the index's scripts as ioredis commands on this client (EVALSHA, loaded on first use). */
export function loadIndexScripts(redis: Redis): void {
  if (loaded.has(redis)) return;
  for (const script of indexScripts()) {
    redis.defineCommand(script.name, {
      lua: script.lua,
      numberOfKeys: script.numberOfKeys,
      readOnly: READ_ONLY.has(script.name),
    });
  }
  loaded.add(redis);
}

type ScriptArg = string | number | Buffer;

/** Calls a defined script on a client (resolves with its reply). */
export function callScript(
  redis: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<unknown> {
  return scriptMethod(redis, name)(...keys, ...args) as Promise<unknown>;
}

/** Calls a defined script and gets its bulk strings back as Buffers (binary replies). */
export function callScriptBuffer(
  redis: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<unknown> {
  return scriptMethod(redis, `${name}Buffer`)(...keys, ...args) as Promise<unknown>;
}

/** Queues a defined script on a pipeline (its reply arrives with `exec()`). */
export function queueScript(
  pipeline: ChainableCommander,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
): void {
  scriptMethod(pipeline, name)(...keys, ...args);
}

function scriptMethod(
  target: object,
  name: ScriptName | `${ScriptName}Buffer`,
): (...args: ScriptArg[]) => unknown {
  const method: unknown = Reflect.get(target, name);
  if (typeof method !== 'function') throw new Error(`index script ${name} is not loaded on this client`);
  return (...args: ScriptArg[]) => Reflect.apply(method, target, args);
}
