/** A one-line progress bar on a stream (stderr), redrawn in place; no dependency. */
export function progressBar(total: number, stream: NodeJS.WriteStream = process.stderr, width = 30) {
  const started = Date.now();
  return {
    update(done: number, label = ''): void {
      const share = total === 0 ? 1 : done / total;
      const filled = Math.round(share * width);
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${seconds}s ${label}`;
      if (stream.isTTY) stream.write(`\r${line.padEnd(100).slice(0, 100)}`);
      else if (done === total || done % 10 === 0) stream.write(`${line}\n`);
    },
    done(): void {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
