import { type BenchResult, type BenchSuite, formatJsonLine, formatTable } from './bench/report.js';

/**
 * `npm run bench -- [suite ...] [--json] [--quick]`
 * Suites register here by name; each lives next to the code it measures.
 */
const suites: Record<string, () => Promise<BenchSuite>> = {
  api: async () => (await import('../api/bench/api-bench.js')).apiBench,
  dispatcher: async () => (await import('../dispatcher/bench/dispatcher-bench.js')).dispatcherBench,
  live: async () => (await import('../api/bench/live-bench.js')).liveBench,
  loop: async () => (await import('../dispatcher/bench/loop-bench.js')).loopBench,
  'ops-map': async () => (await import('../ops-console/bench/ops-map-bench.js')).opsMapBench,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const chosen = names.length > 0 ? names : Object.keys(suites);
  const unknown = chosen.filter((n) => !(n in suites));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}\n`,
    );
    process.exit(2);
  }
  const all: BenchResult[] = [];
  const log = (line: string) => process.stderr.write(`${line}\n`);
  for (const name of chosen) {
    const load = suites[name];
    if (!load) continue;
    log(`# ${name}`);
    const suite = await load();
    for await (const result of suite({ quick, log })) {
      all.push(result);
      if (json) process.stdout.write(`${formatJsonLine(result)}\n`);
    }
  }
  if (!json) process.stdout.write(`${formatTable(all)}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
