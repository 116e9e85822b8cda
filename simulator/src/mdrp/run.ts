import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MatchingPolicy } from '../../../dispatcher/src/matching/index.js';
import { checkSolution, type SolutionCheck } from './check-solution.js';
import { readMdrpInstance } from './instance.js';
import { type MdrpSummary, summarise } from './metrics.js';
import { type MdrpPolicyName, replayMdrp } from './replay.js';
import { recordCycles, replayRecordFromSolution, writeReplayRecord } from './report-data.js';
import { writeSolution } from './solution.js';

export interface RunOptions {
  policy: MdrpPolicyName;
  /** Folder for the solution files and summary.json; nothing is written when absent. */
  outDir?: string;
  matching?: Partial<MatchingPolicy>;
  courierCapacity?: number;
}

export interface RunResult {
  summary: MdrpSummary;
  check: SolutionCheck;
}

/** Replays one instance folder, checks the solution, and writes the files when asked. */
export function runMdrpInstance(instanceDir: string, options: RunOptions): RunResult {
  const instance = readMdrpInstance(instanceDir);
  const cycles = recordCycles();
  const replay = replayMdrp(instance, { ...options, onCycle: cycles.onCycle });
  const summary = summarise(instance, replay.solution, options.policy, {
    cycles: replay.cycles,
    totalMs: Math.round(replay.decideMs),
  });
  const check = checkSolution(instance, replay.solution);
  if (options.outDir) {
    mkdirSync(options.outDir, { recursive: true });
    writeSolution(options.outDir, replay.solution);
    writeFileSync(
      path.join(options.outDir, 'summary.json'),
      `${JSON.stringify({ ...summary, check }, null, 2)}\n`,
    );
    writeReplayRecord(
      options.outDir,
      replayRecordFromSolution(instance, replay.solution, options.policy, cycles.rows),
    );
  }
  return { summary, check };
}
