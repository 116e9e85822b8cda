export { checkSolution, type SolutionCheck } from './mdrp/check-solution.js';
export { type MdrpInstance, readMdrpInstance } from './mdrp/instance.js';
export { lowerBoundMinutes, type MdrpSummary, summarise } from './mdrp/metrics.js';
export { type MdrpPolicyName, type ReplayOptions, type ReplayResult, replayMdrp } from './mdrp/replay.js';
export { runMdrpInstance } from './mdrp/run.js';
export { runAllMdrp } from './mdrp/run-all.js';
export { type MdrpSolution, readSolution, writeSolution } from './mdrp/solution.js';
