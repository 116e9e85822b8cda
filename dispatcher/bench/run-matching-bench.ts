import { formatTable } from '../../scripts/bench/report.js';
import { matchingBench } from './matching-bench.js';

/** `node --import tsx dispatcher/bench/run-matching-bench.ts [--quick]`: the matching suite alone (no Redis). */
const results = [];
for await (const r of matchingBench({
  quick: process.argv.includes('--quick'),
  log: (l) => process.stderr.write(`${l}\n`),
})) {
  results.push(r);
}
process.stdout.write(`${formatTable(results)}\n`);
