import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_POLICY, type MatchingPolicy } from '../../dispatcher/src/matching/index.js';
import type { MdrpPolicyName } from './mdrp/replay.js';
import { runMdrpInstance } from './mdrp/run.js';
import { formatRunAllTable, runAllMdrp } from './mdrp/run-all.js';

/**
 * Commands that parse their own arguments: each module exports `run(argv): Promise<number>` (the
 * exit code) and is loaded only when asked for, so `mdrp` never pays for socket clients.
 */
const OWN_ARGUMENT_COMMANDS: Record<string, () => Promise<{ run: (argv: string[]) => Promise<number> }>> = {
  city: () => import('./city/cli.js'),
  report: () => import('./report/cli.js'),
};

const USAGE = `usage:
  npm run sim -- city [--couriers n] [--stores n] [--orders-per-hour n] [--time-scale x] [--seed n] [--duration min] … (--help)
  npm run sim -- mdrp <instance-dir> --out <dir> [--policy ours|greedy]
  npm run sim -- mdrp-all <dir-of-instances> [--out <dir>] [--policy ours|greedy] [--only <prefix, * allowed>]
  npm run sim -- report <run-or-replay-dir> [--out <file.html>]
options:
  --set key=value   override a matching policy weight (seconds), e.g. --set holdDelaySeconds=300`;

interface Args {
  command: string | undefined;
  target: string | undefined;
  out?: string;
  policy: MdrpPolicyName;
  only?: string;
  matching: Partial<MatchingPolicy>;
}

type NumericPolicyKey = {
  [K in keyof MatchingPolicy]: MatchingPolicy[K] extends number ? K : never;
}[keyof MatchingPolicy];

function isNumericPolicyKey(key: string): key is NumericPolicyKey {
  return key in DEFAULT_POLICY && typeof DEFAULT_POLICY[key as keyof MatchingPolicy] === 'number';
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const args: Args = { command: undefined, target: undefined, policy: 'ours', matching: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--out') args.out = value();
    else if (a === '--only') args.only = value();
    else if (a === '--policy') {
      const p = value();
      if (p !== 'ours' && p !== 'greedy') throw new Error(`--policy must be ours or greedy, got ${p}`);
      args.policy = p;
    } else if (a === '--set') {
      const [key, raw] = value().split('=');
      const n = Number(raw);
      if (!key || !Number.isFinite(n)) throw new Error(`--set expects key=number`);
      if (!isNumericPolicyKey(key)) {
        const known = Object.keys(DEFAULT_POLICY).filter(isNumericPolicyKey);
        throw new Error(`--set: unknown policy weight ${key}; known: ${known.join(', ')}`);
      }
      args.matching[key] = n;
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else positional.push(a);
  }
  [args.command, args.target] = positional;
  return args;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  const ownArguments = command === undefined ? undefined : OWN_ARGUMENT_COMMANDS[command];
  if (ownArguments) return (await ownArguments()).run(rest);
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!args.target || (args.command !== 'mdrp' && args.command !== 'mdrp-all')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (args.command === 'mdrp') {
    const { summary, check } = runMdrpInstance(args.target, {
      policy: args.policy,
      outDir: args.out,
      matching: args.matching,
    });
    process.stdout.write(`${JSON.stringify({ ...summary, check }, null, 2)}\n`);
    return check.ok ? 0 : 1;
  }
  const rows = runAllMdrp(args.target, {
    policy: args.policy,
    outDir: args.out,
    only: args.only,
    matching: args.matching,
  });
  const table = formatRunAllTable(rows, args.policy);
  process.stdout.write(`${table}\n`);
  if (args.out) writeFileSync(path.join(args.out, 'table.md'), `${table}\n`);
  return rows.every((r) => r.checkErrors === 0) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
