// Progress of a long job: a bar with rate and ETA on a terminal, JSON lines (at most a few per second) otherwise.

export interface Progress {
  start(total: number, label: string): void;
  tick(done: number): void;
  finish(): void;
}

export const silentProgress: Progress = { start() {}, tick() {}, finish() {} };

export function streamProgress(stream: NodeJS.WriteStream, now: () => number = () => performance.now()): Progress {
  const tty = stream.isTTY === true;
  let total = 0;
  let label = '';
  let t0 = 0;
  let last = -Infinity;
  let done = 0;
  const line = (final: boolean): void => {
    const secs = (now() - t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (total - done) / rate : null;
    if (tty) {
      const width = 30;
      const filled = total > 0 ? Math.round((done / total) * width) : width;
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      stream.write(`\r${label} [${bar}] ${done}/${total} cases  ${rate.toFixed(0)}/s  ETA ${eta === null ? '?' : eta.toFixed(1) + 's'}  ${final ? '\n' : ''}`);
    } else {
      const o = { progress: label, done, total, rate_per_s: Math.round(rate * 10) / 10, eta_s: eta === null ? null : Math.round(eta * 10) / 10, elapsed_s: Math.round(secs * 1000) / 1000 };
      stream.write(JSON.stringify(o) + '\n');
    }
  };
  return {
    start(n, l) {
      total = n;
      label = l;
      t0 = now();
      done = 0;
      last = now();
      line(false);
    },
    tick(d) {
      done = d;
      const t = now();
      if (t - last >= (tty ? 100 : 500) && done < total) {
        last = t;
        line(false);
      }
    },
    finish() {
      done = total;
      line(true);
    },
  };
}
