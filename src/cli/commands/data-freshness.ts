// `marketmakerl data-freshness`: each cached market's last closed bar against now, its missing ranges, stale or gapped captures; one JSON line, exit 1 past the limits.
import { UserError, isoOf, parseDuration } from '../../core/index.js';
import { DEFAULT_HISTORY_DIR } from '../../data/index.js';
import { cachedSeries, captureFreshness, marketFreshness, recordedCaptures, type FreshnessLimits } from '../../ops/index.js';

export interface DataFreshnessFlags {
  cacheDir?: string;
  recordings?: string;
  data?: string[];
  events?: string[];
  maxAge: string;
  maxMissingBars: number;
  maxCaptureGap: string;
  now?: string;
}

function duration(flag: string, text: string): number {
  const us = parseDuration(text);
  if (!Number.isFinite(us) || us <= 0) throw new UserError(`${flag}: expected a duration such as 90s, 30m, 6h or 2d, got '${text}'`);
  return us;
}

export function dataFreshnessCommand(f: DataFreshnessFlags): void {
  const limits: FreshnessLimits = {
    maxAgeUs: duration('--max-age', f.maxAge),
    maxMissingBars: f.maxMissingBars,
    maxCaptureGapUs: duration('--max-capture-gap', f.maxCaptureGap),
  };
  if (!Number.isInteger(f.maxMissingBars) || f.maxMissingBars < 0) throw new UserError(`--max-missing-bars: expected a whole number ≥ 0, got ${f.maxMissingBars}`);
  let nowUs = Date.now() * 1000;
  if (f.now !== undefined) {
    const ms = Date.parse(f.now);
    if (!Number.isFinite(ms)) throw new UserError(`--now: expected an ISO-8601 time such as 2024-12-30T00:00:00Z, got '${f.now}'`);
    nowUs = ms * 1000;
  }
  const cacheDir = f.cacheDir ?? DEFAULT_HISTORY_DIR;
  const markets = [
    ...cachedSeries(cacheDir).map((p) => marketFreshness(p, nowUs, limits, cacheDir)),
    ...(f.data ?? []).map((p) => marketFreshness(p, nowUs, limits)),
  ];
  const captures = [...recordedCaptures(f.recordings ?? 'data/recordings'), ...(f.events ?? [])].map((p) => captureFreshness(p, nowUs, limits));
  const problems = [...markets, ...captures].flatMap((m) => m.problems.map((p) => `${m.path}: ${p}`));
  if (markets.length + captures.length === 0) problems.push(`nothing to check: no cached series under ${cacheDir}, no recordings, no --data or --events`);
  for (const p of problems) process.stderr.write(`data-freshness: ${p}\n`);
  const ok = problems.length === 0;
  process.stdout.write(
    JSON.stringify({
      check: 'data-freshness',
      ok,
      now: isoOf(nowUs),
      limits: { max_age_hours: limits.maxAgeUs / 3600e6, max_missing_bars: limits.maxMissingBars, max_capture_gap_seconds: limits.maxCaptureGapUs / 1e6 },
      markets,
      captures,
      problems: problems.length,
    }) + '\n',
  );
  if (!ok) process.exitCode = 1;
}
