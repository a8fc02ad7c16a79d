// Campaign: the runtime pipeline over several seeds, then the first seed again; results must agree byte for byte on a repeated seed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { quantileOfSorted } from '../core/index.js';

/** What a campaign needs from one runtime run (a subset of the runtime's summary). */
export interface CampaignRun {
  run_id: string;
  seed: number;
  status: string;
  failures: number;
  risk_status: string;
  pnl: Record<string, number>;
  /** Every agent's output files, as the summary lists them (relative to `cwd`). */
  outputs: string[];
}

export interface RunDigest {
  run_id: string;
  seed: number;
  status: string;
  risk_status: string;
  pnl: Record<string, number>;
  /** Output file (its run id replaced by `<run>`) → sha256 of its bytes with the run id replaced. */
  files: Record<string, string>;
  /** sha256 over `files`, in name order: the run's results in one value. */
  digest: string;
}

export interface Spread {
  agent: string;
  runs: number;
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
  mean: number;
  std: number;
  /** Share of seeds with a PnL above zero. */
  positive_share: number;
}

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/**
 * Digest of a run's results: each output file with the run's id replaced by a placeholder (the id is the
 * only thing two runs of one seed may legitimately differ in), so equal digests mean byte-equal results.
 */
export function digestRun(run: CampaignRun, cwd: string): RunDigest {
  const files: Record<string, string> = {};
  const id = Buffer.from(run.run_id);
  const placeholder = Buffer.from('<run>');
  for (const rel of [...run.outputs].sort()) {
    const path = resolve(cwd, rel);
    const name = basename(path).split(run.run_id).join('<run>');
    if (!existsSync(path)) {
      files[name] = 'missing';
      continue;
    }
    files[name] = sha(replaceAll(readFileSync(path), id, placeholder));
  }
  const digest = sha(Object.keys(files).sort().map((k) => `${k} ${files[k]}`).join('\n'));
  return { run_id: run.run_id, seed: run.seed, status: run.status, risk_status: run.risk_status, pnl: run.pnl, files, digest };
}

function replaceAll(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (let i = buf.indexOf(from, at); i >= 0; i = buf.indexOf(from, at)) {
    parts.push(buf.subarray(at, i), to);
    at = i + from.length;
  }
  parts.push(buf.subarray(at));
  return Buffer.concat(parts);
}

/** The files two digests of one seed disagree on (absent on one side counts), in name order. */
export function digestDifferences(a: RunDigest, b: RunDigest): string[] {
  const names = [...new Set([...Object.keys(a.files), ...Object.keys(b.files)])].sort();
  return names.filter((n) => a.files[n] !== b.files[n]);
}

/** PnL spread of each execution agent across the seeds' runs. */
export function pnlSpread(runs: RunDigest[]): Spread[] {
  const agents = [...new Set(runs.flatMap((r) => Object.keys(r.pnl)))];
  return agents.map((agent) => {
    const xs = runs.map((r) => r.pnl[agent]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((p, q) => p - q);
    const n = xs.length;
    const mean = n > 0 ? xs.reduce((s, x) => s + x, 0) / n : Number.NaN;
    const std = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
    const r = (x: number): number => Math.round(x * 1e6) / 1e6;
    return {
      agent,
      runs: n,
      min: r(xs[0] ?? Number.NaN),
      p25: r(quantileOfSorted(xs, 0.25)),
      median: r(quantileOfSorted(xs, 0.5)),
      p75: r(quantileOfSorted(xs, 0.75)),
      max: r(xs[n - 1] ?? Number.NaN),
      mean: r(mean),
      std: r(std),
      positive_share: n > 0 ? r(xs.filter((x) => x > 0).length / n) : 0,
    };
  });
}
