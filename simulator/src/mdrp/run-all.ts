import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { MatchingPolicy } from '../../../dispatcher/src/matching/index.js';
import type { MdrpSummary } from './metrics.js';
import { progressBar } from './progress.js';
import type { MdrpPolicyName } from './replay.js';
import { runMdrpInstance } from './run.js';

export interface RunAllOptions {
  /** Policy compared with greedy (greedy always runs: the table shows both). */
  policy: MdrpPolicyName;
  outDir?: string;
  /** Only instances whose name starts with this prefix (`*` matches anything, e.g. `1o*t100`). */
  only?: string;
  matching?: Partial<MatchingPolicy>;
}

export interface InstanceRow {
  instance: string;
  ours: MdrpSummary;
  greedy: MdrpSummary;
  checkErrors: number;
}

/** Instance folders under `dir` (those holding an orders.txt), filtered by a glob-ish prefix. */
export function instanceDirs(dir: string, only?: string): string[] {
  const pattern = only
    ? new RegExp(`^${only.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}`)
    : undefined;
  return readdirSync(dir)
    .filter((name) => !pattern || pattern.test(name))
    .map((name) => path.join(dir, name))
    .filter((p) => statSync(p).isDirectory() && readdirSync(p).includes('orders.txt'))
    .sort();
}

/** Replays every instance with the chosen policy and greedy, with a progress bar on stderr. */
export function runAllMdrp(dir: string, options: RunAllOptions): InstanceRow[] {
  const dirs = instanceDirs(dir, options.only);
  const bar = progressBar(dirs.length);
  const rows: InstanceRow[] = [];
  dirs.forEach((instanceDir, i) => {
    const name = path.basename(instanceDir);
    bar.update(i, name);
    const ours = runMdrpInstance(instanceDir, {
      policy: options.policy,
      matching: options.matching,
      outDir: options.outDir ? path.join(options.outDir, name, options.policy) : undefined,
    });
    const greedy =
      options.policy === 'greedy'
        ? ours
        : runMdrpInstance(instanceDir, {
            policy: 'greedy',
            outDir: options.outDir ? path.join(options.outDir, name, 'greedy') : undefined,
          });
    rows.push({
      instance: name,
      ours: ours.summary,
      greedy: greedy.summary,
      checkErrors: ours.check.errors.length + ours.check.moreErrors,
    });
  });
  bar.update(dirs.length, 'done');
  bar.done();
  return rows;
}

/** Undelivered orders some solution delivers: neither impossible nor unavoidable. */
const lost = (s: MdrpSummary) => s.undelivered - s.impossible - s.unavoidable;

/** The comparison table: per instance and the mean, ours/LB, greedy/LB, ours/greedy, share > 40 min, undelivered. */
export function formatRunAllTable(rows: readonly InstanceRow[], policy: string): string {
  const header = [
    'instance',
    `${policy}/LB`,
    'greedy/LB',
    `${policy}/greedy`,
    `>40 ${policy}`,
    '>40 greedy',
    `undeliv ${policy}`,
    'undeliv greedy',
    'impossible',
    'unavoidable',
    'check',
  ];
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const line = (r: InstanceRow) => [
    r.instance,
    r.ours.ratioToLowerBound.toFixed(3),
    r.greedy.ratioToLowerBound.toFixed(3),
    (r.ours.clickToDoor.mean / r.greedy.clickToDoor.mean).toFixed(3),
    pct(r.ours.clickToDoor.shareOverTarget),
    pct(r.greedy.clickToDoor.shareOverTarget),
    String(lost(r.ours)),
    String(lost(r.greedy)),
    String(r.ours.impossible),
    String(r.ours.unavoidable),
    r.checkErrors === 0 ? 'ok' : `${r.checkErrors} errors`,
  ];
  const mean = (f: (r: InstanceRow) => number) =>
    rows.reduce((s, r) => s + f(r), 0) / Math.max(1, rows.length);
  const sum = (f: (r: InstanceRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  const over = (s: MdrpSummary) => s.clickToDoor.overTarget;
  const footer = [
    `mean of ${rows.length}`,
    mean((r) => r.ours.ratioToLowerBound).toFixed(3),
    mean((r) => r.greedy.ratioToLowerBound).toFixed(3),
    mean((r) => r.ours.clickToDoor.mean / r.greedy.clickToDoor.mean).toFixed(3),
    pct(mean((r) => r.ours.clickToDoor.shareOverTarget)),
    pct(mean((r) => r.greedy.clickToDoor.shareOverTarget)),
    String(sum((r) => lost(r.ours))),
    String(sum((r) => lost(r.greedy))),
    String(sum((r) => r.ours.impossible)),
    String(sum((r) => r.ours.unavoidable)),
    `${sum((r) => r.checkErrors)} errors`,
  ];
  const totals = [
    'orders > 40 min',
    '',
    '',
    '',
    String(sum((r) => over(r.ours))),
    String(sum((r) => over(r.greedy))),
    '',
    '',
    '',
    '',
    '',
  ];
  const table = [header, ...rows.map(line), footer, totals];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0)));
  const fmt = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    fmt(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...table.slice(1).map(fmt),
  ].join('\n');
}
