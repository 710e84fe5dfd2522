/** A one-line progress bar on stderr; on a non-TTY it prints at most every 10 %. */
export class Progress {
  private last = -1;
  private readonly tty = process.stderr.isTTY === true;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {
    this.update(0);
  }

  update(done: number): void {
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    if (this.tty) {
      const width = 28;
      const filled = Math.round(fraction * width);
      const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
      process.stderr.write(
        `\r  ${this.label.padEnd(34)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${seconds}s\x1b[K`,
      );
      return;
    }
    const step = Math.floor(fraction * 10);
    if (step > this.last) {
      this.last = step;
      process.stderr.write(`  ${this.label}: ${done}/${this.total}\n`);
    }
  }

  done(note = ''): void {
    if (this.tty) process.stderr.write('\n');
    if (note) process.stderr.write(`  ${this.label}: ${note}\n`);
  }
}

export function say(text: string): void {
  process.stderr.write(`${text}\n`);
}
