// Progress of a long job, one style for every command: a bar with rate and ETA on a terminal, JSON lines (a few per second at most) otherwise.

export interface Progress {
  /** A new stage of `total` steps counted in `unit` (cases, generations, minutes, days). */
  start(total: number, label: string, unit?: string): void;
  /** `done` steps so far; `detail`: a few figures of the latest step (shown beside the bar, or in the JSON line). */
  tick(done: number, detail?: Record<string, string | number | null>): void;
  /** Something that happened (a reconnect, a file complete): its own line, above the bar on a terminal. */
  note(event: string, fields?: Record<string, string | number | boolean | null>): void;
  finish(): void;
}

export const silentProgress: Progress = { start() {}, tick() {}, note() {}, finish() {} };

const round1 = (x: number): number => Math.round(x * 10) / 10;

export function streamProgress(stream: NodeJS.WriteStream, now: () => number = () => performance.now()): Progress {
  const tty = stream.isTTY === true;
  let total = 0;
  let label = '';
  let unit = '';
  let t0 = 0;
  let last = -Infinity;
  let done = 0;
  let detail: Record<string, string | number | null> = {};
  let drawn = false;
  const line = (final: boolean): void => {
    const secs = (now() - t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 && total > 0 ? (total - done) / rate : null;
    if (tty) {
      const width = 30;
      const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      const extra = Object.entries(detail)
        .map(([k, v]) => `${k} ${v ?? '—'}`)
        .join('  ');
      const rateText = rate >= 10 ? rate.toFixed(0) : rate.toFixed(1);
      stream.write(`\r\x1b[K${label} [${bar}] ${done}/${total} ${unit}  ${rateText}/s  ${final ? `${secs.toFixed(1)}s` : `ETA ${eta === null ? '?' : eta.toFixed(1) + 's'}`}${extra ? '  ' + extra : ''}${final ? '\n' : ''}`);
      drawn = !final;
    } else {
      const o = { progress: label, done, total, unit, rate_per_s: round1(rate), eta_s: eta === null ? null : round1(eta), elapsed_s: Math.round(secs * 1000) / 1000, ...detail };
      stream.write(JSON.stringify(o) + '\n');
    }
  };
  return {
    start(n, l, u = 'cases') {
      total = n;
      label = l;
      unit = u;
      t0 = now();
      done = 0;
      detail = {};
      last = now();
      line(false);
    },
    tick(d, dt) {
      done = d;
      if (dt !== undefined) detail = dt;
      const t = now();
      if (t - last >= (tty ? 100 : 500) && done < total) {
        last = t;
        line(false);
      }
    },
    note(event, fields = {}) {
      if (tty) {
        const text = Object.entries(fields)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        stream.write(`${drawn ? '\r\x1b[K' : ''}${event}${text ? ' ' + text : ''}\n`);
        if (drawn) line(false);
      } else {
        stream.write(JSON.stringify({ event, ...fields }) + '\n');
      }
    },
    finish() {
      done = total;
      line(true);
    },
  };
}
