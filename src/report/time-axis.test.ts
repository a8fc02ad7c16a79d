// Time axes: UTC, 24-hour, labels that differ from each other and ticks inside the data's span, for spans from seconds to years.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeTicks } from './time-axis.js';

/** The few d3 directives the axes use, applied in UTC (an independent formatter, not the code under test). */
function fmt(format: string, ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  const map: Record<string, string> = { Y: String(d.getUTCFullYear()), m: p(d.getUTCMonth() + 1), d: p(d.getUTCDate()), H: p(d.getUTCHours()), M: p(d.getUTCMinutes()), S: p(d.getUTCSeconds()) };
  return format.replace(/%([YmdHMS])/g, (_, c: string) => map[c]!);
}

const T0 = Date.UTC(2024, 7, 8, 10, 30, 12, 345);
const SPANS_MS = [900, 5_000, 59_000, 61_000, 11 * 60_000, 59 * 60_000, 5 * 3_600_000, 23 * 3_600_000, 30 * 3_600_000, 3 * 86_400_000, 29 * 86_400_000, 200 * 86_400_000, 800 * 86_400_000];

test('every span gets distinct labels, 24-hour UTC, ticks inside the span, at most the tick budget', () => {
  for (const span of SPANS_MS) {
    for (const start of [T0, Date.UTC(2024, 11, 31, 23, 59, 30)]) {
      const t = timeTicks(start, start + span, 8);
      const labels = t.values.map((v) => fmt(t.format, v));
      assert.ok(t.values.length >= 1 && t.values.length <= 8, `span ${span}: ${t.values.length} ticks`);
      assert.equal(new Set(labels).size, labels.length, `span ${span} from ${new Date(start).toISOString()}: ${labels.join(' ')}`);
      assert.ok(t.values.every((v) => v >= start && v <= start + span), `span ${span}: ticks inside`);
      assert.doesNotMatch(t.format, /%[IpaAbB]/, 'no 12-hour clock, AM/PM or weekday names');
    }
  }
});

test('an 11-minute tick run reads in minutes of its own day; a month of bars in dates', () => {
  const tick = timeTicks(T0, T0 + 11 * 60_000);
  assert.equal(tick.title, 'time (UTC), 2024-08-08');
  assert.deepEqual(tick.values.map((v) => fmt(tick.format, v)), ['10:32', '10:34', '10:36', '10:38', '10:40']);
  const month = timeTicks(Date.UTC(2024, 7, 1), Date.UTC(2024, 7, 31, 23, 55));
  assert.equal(month.format, '%m-%d');
  assert.equal(month.title, 'time (UTC), 2024');
  const secs = timeTicks(T0, T0 + 40_000);
  assert.equal(secs.format, '%H:%M:%S');
});

test('under a day across midnight the clock alone tells ticks apart, the title gives both dates; over a day the date joins the clock', () => {
  const t = timeTicks(Date.UTC(2024, 7, 8, 23, 54), Date.UTC(2024, 7, 9, 0, 5));
  assert.equal(t.format, '%H:%M');
  assert.equal(t.title, 'time (UTC), 2024-08-08 → 08-09');
  const long = timeTicks(Date.UTC(2024, 7, 8, 22, 0), Date.UTC(2024, 7, 10, 3, 0));
  assert.match(long.format, /%m-%d %H:%M|%m-%d/);
});
