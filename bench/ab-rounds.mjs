// Two builds against each other in one process: rounds of A B B A (so a drift in load cancels within a round),
// each run timed by its own CPU time. Shared by the A/B probes (bar-ab, tick-shared-ab); `barBenchConfig` also by bar-procs.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The URL of a built folder's module index (`DIR/dist/<m>/index.js`). */
export const distModule = (dir, m) => pathToFileURL(join(resolve(dir), 'dist', m, 'index.js')).href;

/** `warm` runs of each, then `rounds` rounds of A B B A; `run()` returns its CPU milliseconds. */
export function abRounds(A, B, rounds, warm = 1) {
  for (let i = 0; i < warm; i++) A.run(), B.run();
  const ta = [];
  const tb = [];
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    const a1 = A.run();
    const b1 = B.run();
    const b2 = B.run();
    const a2 = A.run();
    ta.push(a1, a2);
    tb.push(b1, b2);
    ratios.push((b1 + b2) / (a1 + a2));
  }
  return { ta, tb, ratios };
}

/**
 * The bar-engine bench's job config (the 1m klines `file`, AS or GLFT, γ 0.0005, A 1/60, no maker fee) in a
 * build's engine module `eng`; an older build without `parseTradingConfig` reads its flat bar config.
 */
export function barBenchConfig(eng, file, model) {
  return eng.parseTradingConfig
    ? eng.parseTradingConfig({ data: { path: file }, quoting: { model, gamma: 0.0005, A: 1 / 60 }, sim: { maker_fee_bps: 0 } })
    : eng.parseBarConfig({ data: { path: file }, model, gamma: 0.0005, A: 1 / 60 });
}

export const sorted = (x) => [...x].sort((p, q) => p - q);
export const med = (x) => sorted(x)[x.length >> 1];
/** The `f` quantile (0–1) of `x`. */
export const quantile = (x, f) => sorted(x)[Math.floor(f * x.length)];
