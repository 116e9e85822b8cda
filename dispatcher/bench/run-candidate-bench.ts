import { formatTable } from '../../scripts/bench/report.js';
import { candidateSuite } from './index-bench.js';

/**
 * `node --import tsx dispatcher/bench/run-candidate-bench.ts [--quick] [--res 8]`: the index's
 * full-circle and dispatch-query benchmarks alone at one resolution (Redis at TEST_REDIS_URL,
 * default 127.0.0.1:6379).
 */
const resAt = process.argv.indexOf('--res');
const resolution = resAt > 0 ? Number(process.argv[resAt + 1]) : 8;
const results = [];
for await (const r of candidateSuite(resolution)({
  quick: process.argv.includes('--quick'),
  log: (l) => process.stderr.write(`${l}\n`),
})) {
  results.push(r);
}
process.stdout.write(`${formatTable(results)}\n`);
process.exit(0);
