// Time units: every timestamp in the system is epoch microseconds (`Micros`), a plain number.

/** Epoch microseconds. Doubles hold integers exactly up to 2^53 µs ≈ 285 years. */
export type Micros = number;

export const MICROS_PER_MS = 1_000;
export const MICROS_PER_SECOND = 1_000_000;
export const SECONDS_PER_YEAR = 365 * 24 * 3600; // crypto markets trade every day of the year

export const msToMicros = (ms: number): Micros => ms * MICROS_PER_MS;
export const microsToMs = (us: Micros): number => Math.floor(us / MICROS_PER_MS);
export const microsToSeconds = (us: Micros): number => us / MICROS_PER_SECOND;
export const secondsToMicros = (s: number): Micros => s * MICROS_PER_SECOND;

/** ISO-8601 UTC text for a timestamp, millisecond precision. */
export function isoOf(us: Micros): string {
  return new Date(us / MICROS_PER_MS).toISOString();
}

/** UTC stamp `YYYYMMDDTHHMMSSZ`, used in run ids and file tokens. */
export function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Parse a duration such as `500ms`, `10s`, `5m`, `1h`, `2d` to microseconds; NaN when malformed. */
export function parseDuration(text: string): Micros {
  const m = /^(\d+(?:\.\d+)?)\s*(us|ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return Number.NaN;
  const value = Number(m[1]);
  const unit = m[2] as 'us' | 'ms' | 's' | 'm' | 'h' | 'd';
  const scale = { us: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6, d: 86400e6 }[unit];
  return value * scale;
}
