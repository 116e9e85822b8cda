import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadReportModel } from './load.js';
import { renderReport } from './page.js';

const USAGE = 'usage: npm run sim -- report <run-dir> [--out <file.html>]   (default <run-dir>/report.html)';

/** `npm run sim -- report <run>`: writes the run's self-contained HTML report and prints its path. */
export async function run(argv: string[]): Promise<number> {
  let dir: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (a === '--out' && argv[i + 1] !== undefined) out = argv[++i];
    else if (a.startsWith('-') || dir !== undefined) {
      process.stderr.write(`unexpected argument ${a}\n${USAGE}\n`);
      return 2;
    } else dir = a;
  }
  if (!dir) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let model: ReturnType<typeof loadReportModel>;
  try {
    model = loadReportModel(dir);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  const file = out ?? path.join(dir, 'report.html');
  const { html } = renderReport(model, new Date(), path.resolve(dir));
  writeFileSync(file, html);
  process.stdout.write(`${file}\n`);
  return 0;
}
