// Numbers as a market maker reads them: money to the cent, prices to the tick, sizes to the lot, signs spelt out.

const MINUS = '−';

/** Fixed decimals with a true minus sign and thousands separators; '—' for a missing figure. */
export function fixed(x: number | null | undefined, d: number): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const r = Math.round(x * 10 ** d) / 10 ** d;
  const body = Math.abs(r).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  return r < 0 ? MINUS + body : body;
}

/** The same with an explicit + on positive values (for figures whose sign is the point: PnL parts, markouts). */
export function signed(x: number | null | undefined, d: number): string {
  const s = fixed(x, d);
  return x !== null && x !== undefined && Number.isFinite(x) && Math.round(x * 10 ** d) > 0 ? '+' + s : s;
}

/** Decimals of a tick or lot size (0.01 → 2, 0.00001 → 5, 1 → 0). */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 2;
  const s = step.toString();
  const e = s.indexOf('e-');
  if (e >= 0) return Number(s.slice(e + 2)) + Math.max(0, (s.split('e')[0]!.split('.')[1] ?? '').length);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** Money in quote currency: cents, or more decimals when the amounts are small (a run of a few fills). */
export function money(x: number | null | undefined, scale = Math.abs(x ?? 0)): string {
  return fixed(x, scale !== 0 && scale < 1 ? 4 : 2);
}

/** A count of seconds as a reader says it: 42 s, 3 min 05 s, 2 h 10 min, 4 d 3 h. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return seconds < 10 && seconds !== s ? `${seconds.toFixed(1)} s` : `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** A share in [0, 1] as a percentage with `d` decimals. */
export function pct(share: number | null | undefined, d = 1): string {
  return share === null || share === undefined || !Number.isFinite(share) ? '—' : `${fixed(share * 100, d)}%`;
}

/** Parse a figure this module printed (true minus, separators, a trailing unit) back to a number. */
export function parseFigure(text: string): number {
  const m = text.replace(/\u2212/g, '-').replace(/,/g, '').match(/[-+]?\d+(\.\d+)?/);
  return m ? Number(m[0]) : Number.NaN;
}
