// Latency read from a measured series: entry and response delays at sample times, linearly interpolated.
import { readFileSync } from 'node:fs';
import { UserError, type Micros } from '../../core/index.js';
import type { LatencyModel } from './latency-model.js';

/**
 * Measured latencies (e.g. order round-trips logged in paper or live trading) as a step-free curve:
 * between two samples the delay is interpolated linearly, outside them it is held at the end values.
 * Queries move forward in time almost always, so a cursor makes them O(1).
 */
export class SeriesLatency implements LatencyModel {
  readonly name: string;
  private cursorE = 0;
  private cursorR = 0;

  constructor(
    readonly ts: Float64Array,
    readonly entryMicros: Float64Array,
    readonly responseMicros: Float64Array,
    name = 'series',
  ) {
    if (ts.length === 0) throw new RangeError('latency series is empty');
    for (let i = 1; i < ts.length; i++) if (!(ts[i]! >= ts[i - 1]!)) throw new RangeError('latency series times must not decrease');
    this.name = name;
  }

  entry(t: Micros): Micros {
    this.cursorE = seek(this.ts, t, this.cursorE);
    return interp(this.ts, this.entryMicros, t, this.cursorE);
  }

  response(t: Micros): Micros {
    this.cursorR = seek(this.ts, t, this.cursorR);
    return interp(this.ts, this.responseMicros, t, this.cursorR);
  }
}

/** Index i with ts[i] ≤ t < ts[i+1] (clamped), starting from a previous answer. */
function seek(ts: Float64Array, t: number, from: number): number {
  let i = from;
  const n = ts.length;
  if (i > 0 && ts[i]! > t) i = 0;
  while (i + 1 < n && ts[i + 1]! <= t) i++;
  return i;
}

function interp(ts: Float64Array, v: Float64Array, t: number, i: number): number {
  const t0 = ts[i]!;
  if (t <= t0 || i + 1 >= ts.length) return v[i]!;
  const t1 = ts[i + 1]!;
  return v[i]! + ((v[i + 1]! - v[i]!) * (t - t0)) / (t1 - t0);
}

/**
 * Load `ts_ms,entry_ms,response_ms` CSV rows (header optional; `#` comments allowed). Times in epoch
 * ms, delays in ms (fractions allowed). A bad row is a UserError naming the line.
 */
/** A delay beyond a minute is not an order latency: a wrong file or a wrong unit. */
const MAX_DELAY_MS = 60_000;

export function loadLatencySeries(path: string, flag = '--order-latency-file'): SeriesLatency {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${flag}: cannot read file ${path}`);
  }
  const ts: number[] = [];
  const en: number[] = [];
  const re: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(',');
    const a = Number(parts[0]);
    const b = Number(parts[1]);
    const c = parts.length > 2 ? Number(parts[2]) : b;
    // Another file's columns (klines: time, open, high, ...) would read as delays of hours: refused.
    if (parts.length < 2 || parts.length > 3 || !Number.isFinite(a) || !(b >= 0 && b <= MAX_DELAY_MS) || !(c >= 0 && c <= MAX_DELAY_MS)) {
      if (ts.length === 0 && n === 0 && !/^\s*-?\d/.test(line)) continue; // header
      throw new UserError(`${flag}: ${path} line ${n + 1}: expected ts_ms,entry_ms[,response_ms] with delays from 0 to ${MAX_DELAY_MS} ms, got '${line.slice(0, 120)}'`);
    }
    if (ts.length > 0 && a * 1000 < ts[ts.length - 1]!) throw new UserError(`${flag}: ${path} line ${n + 1}: times must not decrease`);
    ts.push(a * 1000);
    en.push(b * 1000);
    re.push(c * 1000);
  }
  if (ts.length === 0) throw new UserError(`${flag}: ${path} has no latency rows`);
  return new SeriesLatency(Float64Array.from(ts), Float64Array.from(en), Float64Array.from(re), `series(${path})`);
}
