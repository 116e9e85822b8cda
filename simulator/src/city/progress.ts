import type { CityRecorder } from './recorder.js';
import { clockText } from './sim-clock.js';

/** The one-line state of the city: simulated time, orders, waiting, on-time share, riders. */
export function progressLine(recorder: CityRecorder, nowS: number, phase: string): string {
  const c = recorder.counts();
  let online = 0;
  let busy = 0;
  for (const courier of recorder.couriers) {
    if (courier.onlineSinceS !== null) online++;
    if (courier.busySinceS !== null) busy++;
  }
  const onTime = c.delivered > 0 ? `${Math.round((100 * c.onTime) / c.delivered)}%` : '–';
  return (
    `[city ${clockText(nowS)} ${phase}] orders ${c.placed} placed, ${c.delivered} delivered, ` +
    `${c.canceled} canceled, ${recorder.waiting()} waiting · on time (≤40 min) ${onTime} · ` +
    `riders ${online} online, ${busy} busy`
  );
}

/**
 * Writes the progress to a stream: one line rewritten in place on a terminal, a new line every
 * `plainEveryMs` otherwise (logs, CI).
 */
export class ProgressPrinter {
  private lastPlainMs = 0;
  private wroteInPlace = false;

  constructor(
    private readonly out: { write(s: string): unknown; isTTY?: boolean },
    private readonly plainEveryMs = 15_000,
  ) {}

  update(line: string): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
      this.wroteInPlace = true;
    } else if (Date.now() - this.lastPlainMs >= this.plainEveryMs) {
      this.lastPlainMs = Date.now();
      this.out.write(`${line}\n`);
    }
  }

  /** Ends the in-place line so what follows starts on a line of its own. */
  done(line?: string): void {
    if (this.out.isTTY && this.wroteInPlace) this.out.write(line ? `\r\x1b[2K${line}\n` : '\n');
    else if (line) this.out.write(`${line}\n`);
    this.wroteInPlace = false;
  }
}
