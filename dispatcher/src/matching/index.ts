export { mergeJobs, ordersToBundles, permutations } from './bundles.js';
export type { CandidateLists } from './candidates.js';
export { candidatesFromContext } from './candidates.js';
export { componentsOfProblem, solveByComponents } from './components.js';
export type { MatchingContext } from './context.js';
export { contextFromSnapshot, courierOnlyCost, orderCost } from './context.js';
export { decideAssignments, problemFromJobs, scarcityOf } from './decide.js';
export { decideGreedy } from './greedy.js';
export type { Job, JobTimes } from './job.js';
export { jobCost, jobFromOrders, jobTimes } from './job.js';
export type { AssignmentSolution, SparseAssignmentProblem } from './lapjv.js';
export { solveSparseAssignment } from './lapjv.js';
export type { MatchingPolicy } from './policy.js';
export { DEFAULT_POLICY, resolvePolicy } from './policy.js';
export type * from './types.js';

/** A decision function: the matching core's entry point or the greedy baseline. */
export type DecideFunction = typeof import('./decide.js').decideAssignments;
