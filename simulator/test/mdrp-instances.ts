import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** The public MDRP instances, read in place (no licence to copy them into the repository). */
export const MDRP_DIR =
  process.env.MDRP_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/mdrp');

export const mdrpInstance = (name: string) => path.join(MDRP_DIR, name);

/**
 * A suite that reads the instances: skipped in a checkout without them (a clone elsewhere than
 * beside ../shared), but never in CI (`CI=true`), where their absence fails the run instead of
 * hiding the checker's tests. Its body runs only when it will run: suites read instances as they
 * are collected.
 */
export function describeWithInstances(name: string, body: () => void): void {
  if (existsSync(MDRP_DIR) || process.env.CI === 'true') describe(name, body);
  else describe.skip(name, () => it(`needs the instances in ${MDRP_DIR} (or MDRP_DIR)`, () => undefined));
}
