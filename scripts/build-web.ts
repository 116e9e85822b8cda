/**
 * `npm run build:web`: builds the three web apps with Vite into their `dist/`, served by the api
 * under `/app/courier/`, `/app/track/` and `/app/ops/`.
 *
 *   --if-missing   only apps without a `dist/index.html` (what `npm start` uses)
 *   --if-stale     only apps whose sources (or web-common's) are newer than their build (tests)
 *
 * A folder without an `index.html` is skipped with a warning. Builds run one after the other:
 * each is CPU-bound, and a failing one fails the script.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Each app's folder and its base path; the apps' own vite.config.ts sets the same base. */
export const WEB_APP_BASES = {
  'courier-app': '/app/courier/',
  'tracking-page': '/app/track/',
  'ops-console': '/app/ops/',
} as const;

export type BuildMode = 'always' | 'missing' | 'stale';

/** Newest modification time under a path (files only; dist and node_modules ignored), ms. */
function newestMtimeMs(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'dist' || entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  }
  return newest;
}

function needsBuild(folder: string, mode: BuildMode): boolean {
  const built = join(root, folder, 'dist', 'index.html');
  if (mode === 'always' || !existsSync(built)) return true;
  if (mode === 'missing') return false;
  const sources = Math.max(newestMtimeMs(join(root, folder)), newestMtimeMs(join(root, 'web-common', 'src')));
  return sources > statSync(built).mtimeMs;
}

export interface BuildOptions {
  mode?: BuildMode;
  /** Only these app folders (all three by default). */
  only?: readonly (keyof typeof WEB_APP_BASES)[];
  log?: (line: string) => void;
}

/** Builds the apps that need it; returns the folders built. Throws when a build fails. */
export function buildWebApps(options: BuildOptions = {}): string[] {
  const { mode = 'always', only, log = (line: string) => process.stdout.write(`${line}\n`) } = options;
  const built: string[] = [];
  for (const [folder, base] of Object.entries(WEB_APP_BASES)) {
    if (only && !only.includes(folder as keyof typeof WEB_APP_BASES)) continue;
    const dir = join(root, folder);
    if (!existsSync(join(dir, 'index.html'))) {
      log(`warning: ${folder}/index.html is missing; ${folder} is not built`);
      continue;
    }
    if (!needsBuild(folder, mode)) continue;
    log(`building ${folder} (${base})`);
    const viteBin = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
    const args = [viteBin, 'build', '--logLevel', 'warn', '--emptyOutDir'];
    // An app without its own config still gets its base path.
    if (!existsSync(join(dir, 'vite.config.ts'))) args.push('--base', base);
    const result = spawnSync(process.execPath, args, { cwd: dir, stdio: 'inherit' });
    if (result.status !== 0)
      throw new Error(`vite build failed in ${folder} (exit ${result.status ?? result.signal})`);
    built.push(folder);
  }
  return built;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mode: BuildMode = process.argv.includes('--if-missing')
    ? 'missing'
    : process.argv.includes('--if-stale')
      ? 'stale'
      : 'always';
  try {
    const built = buildWebApps({ mode });
    process.stdout.write(built.length > 0 ? `built: ${built.join(', ')}\n` : 'web apps are up to date\n');
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
