// Time axes of every chart: UTC, 24-hour, from the data's own clock, with tick values chosen so their labels differ.

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
/** Tick steps a reader counts in (ms). */
const STEPS = [S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S, M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M, H, 2 * H, 3 * H, 6 * H, 12 * H, D, 2 * D, 7 * D, 14 * D, 28 * D, 91 * D, 182 * D, 364 * D];

export interface TimeTicks {
  /** Tick times, epoch ms, inside [from, to]. */
  values: number[];
  /** d3 time format applied in UTC: the coarsest that still tells every tick apart. */
  format: string;
  step: number;
  /** Axis title: "UTC", with the date when the whole span sits in one UTC day. */
  title: string;
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Ticks for a span [from, to] of epoch ms: the smallest step of STEPS that gives at most `maxTicks`, tick
 * values on multiples of the step (UTC midnight for days), and a format at the step's precision. A format
 * never repeats a label: seconds when the step is under a minute, the date beside the clock when the span
 * crosses a UTC day, the year when it crosses a year.
 */
export function timeTicks(from: number, to: number, maxTicks = 8): TimeTicks {
  if (!(Number.isFinite(from) && Number.isFinite(to))) return { values: [], format: '%H:%M:%S', step: S, title: 'time (UTC)' };
  if (to < from) [from, to] = [to, from];
  const t = ticksAt(from, to, maxTicks);
  // A date beside the clock makes labels twice as long: fewer of them, so they do not run into each other.
  return t.format.length > 8 ? ticksAt(from, to, Math.max(3, Math.floor(maxTicks * 0.6))) : t;
}

function ticksAt(from: number, to: number, maxTicks: number): TimeTicks {
  const span = to - from;
  const step = STEPS.find((s) => span / s <= maxTicks) ?? STEPS[STEPS.length - 1]!;
  const values: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) values.push(t);
  if (values.length === 0) values.push(from);
  const oneDay = isoDay(from) === isoDay(to);
  const oneYear = isoDay(from).slice(0, 4) === isoDay(to).slice(0, 4);
  // A clock alone repeats only 24 h apart: under a day of span it tells every tick apart, even across midnight.
  const clockOnly = span < D;
  let format: string;
  if (step >= D) format = oneYear ? '%m-%d' : '%Y-%m-%d';
  else {
    const clock = step < M ? '%H:%M:%S' : '%H:%M';
    format = clockOnly ? clock : `${oneYear ? '%m-%d' : '%Y-%m-%d'} ${clock}`;
  }
  const title = oneDay
    ? `time (UTC), ${isoDay(from)}`
    : clockOnly
      ? `time (UTC), ${isoDay(from)} → ${isoDay(to).slice(oneYear ? 5 : 0)}`
      : oneYear
        ? `time (UTC), ${isoDay(from).slice(0, 4)}`
        : 'time (UTC)';
  return { values, format, step, title };
}

/** A vega-lite x encoding for field `t` (epoch ms) over rows spanning [from, to]: UTC scale, our ticks and labels. */
export function utcTimeX(from: number, to: number, opts: { field?: string; maxTicks?: number; title?: string | null } = {}): Record<string, unknown> {
  const tt = timeTicks(from, to, opts.maxTicks ?? 8);
  return {
    field: opts.field ?? 't',
    type: 'temporal',
    title: opts.title === undefined ? tt.title : opts.title,
    scale: { type: 'utc', ...(Number.isFinite(from) && Number.isFinite(to) && to > from ? { domain: [from, to] } : {}) },
    axis: { values: tt.values, format: tt.format, labelAngle: 0, labelOverlap: false, grid: true },
  };
}

/** Smallest and largest `t` of some row lists (NaN, NaN when all are empty). */
export function spanOf(...lists: ReadonlyArray<ReadonlyArray<{ t: number }>>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const rows of lists) {
    for (const r of rows) {
      if (r.t < lo) lo = r.t;
      if (r.t > hi) hi = r.t;
    }
  }
  return lo <= hi ? [lo, hi] : [Number.NaN, Number.NaN];
}
