import type { BenchSuite } from '../../scripts/bench/report.js';
import { indexBench } from './index-bench.js';
import { matchingBench } from './matching-bench.js';

/** `npm run bench -- dispatcher`: the courier index (real Redis) and the matching core. */
export const dispatcherBench: BenchSuite = async function* (options) {
  yield* indexBench(options);
  yield* matchingBench(options);
};
