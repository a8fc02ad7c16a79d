// A shard of a sweep as an Arrow IPC file: one row per case (key, trial, block, result figures), the sweep's identity in the schema metadata.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, writeFileAtomic } from '../core/index.js';
import { arrowLib } from '../data/index.js';
import type { BlockResult, MarkoutSum } from './cases.js';
import type { ResultsStore, StoredCase } from './results-store.js';
import type { Evaluator } from './evaluator.js';
import type { Progress } from './progress.js';
import { collectResults, prepareSweep, shardCases, type Sweep, type SweepInput } from './sweep.js';

/** Value of the `marketmakerl.format` schema metadata key of a shard file. */
export const SHARD_FORMAT = 'marketmakerl.sweep-shard/1';

/** What a shard file says about itself (schema metadata). */
export interface ShardMeta {
  /** sha256 of every case key of the whole sweep: equal ids, equal sweeps. */
  sweepId: string;
  dataDigest: string;
  engineVersion: string;
  /** 0-based shard index and the number of shards. */
  index: number;
  count: number;
  /** Cases of the whole sweep. */
  sweepCases: number;
}

export const shardFileName = (index: number, count: number): string => `shard-${index}-of-${count}.arrow`;
const SHARD_FILE = /^shard-(\d+)-of-(\d+)\.arrow$/;

/** `I/N` → 0 ≤ I < N; anything else is a UserError naming --shard. */
export function parseShardSpec(spec: string): { index: number; count: number } {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(spec.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !(count >= 1) || !(index >= 0 && index < count)) throw new UserError(`--shard: expected I/N with 0 <= I < N (shards are numbered from 0, as a Kubernetes Indexed Job's JOB_COMPLETION_INDEX), got '${spec}'`);
  return { index, count };
}

const FIGURES = ['pnl', 'realized_pnl', 'inventory_pnl', 'fees', 'fills', 'buy_fills', 'sell_fills', 'turnover', 'max_drawdown', 'max_abs_inventory'] as const;
const RETURNS = ['n', 'sum', 'sum2', 'sum3', 'sum4', 'lagSum', 'lagPairs'] as const;

/** The shard's cases as a file (written atomically): doubles as Float64 columns, exact. */
export function writeShardFile(path: string, meta: ShardMeta, rows: readonly StoredCase[]): void {
  const { tableFromArrays, tableToIPC, Table, Schema } = arrowLib();
  const n = rows.length;
  const horizons = [...new Set(rows.flatMap((r) => r.result.markouts.map((m) => m.horizon)))];
  const f64 = (get: (r: BlockResult) => number): Float64Array => Float64Array.from(rows, (r) => get(r.result));
  const cols: Record<string, Float64Array | string[]> = {
    key: rows.map((r) => r.key),
    trial: rows.map((r) => r.trial),
    block: rows.map((r) => r.block),
  };
  for (const k of FIGURES) cols[k] = f64((r) => r[k]);
  for (const k of RETURNS) cols[`returns_${k}`] = f64((r) => r.returns[k]);
  for (const h of horizons) {
    // Position in the case's own list (−1: the case has no such horizon), then its figures.
    cols[`markout_${h}_at`] = f64((r) => r.markouts.findIndex((m) => m.horizon === h));
    cols[`markout_${h}_fills`] = f64((r) => r.markouts.find((m) => m.horizon === h)?.fills ?? 0);
    cols[`markout_${h}_sum_bps`] = f64((r) => r.markouts.find((m) => m.horizon === h)?.sum_bps ?? 0);
  }
  const table = tableFromArrays(cols as Parameters<typeof tableFromArrays>[0]);
  const metadata = new Map<string, string>([
    ['marketmakerl.format', SHARD_FORMAT],
    ['marketmakerl.sweep', JSON.stringify({ ...meta, horizons, rows: n })],
  ]);
  const withMeta = new Table(new Schema(table.schema.fields, metadata), table.batches);
  writeFileAtomic(path, tableToIPC(withMeta, 'file'));
}

/** A shard file read back: its metadata and cases, exactly as written (`flag` names the option in errors). */
export function readShardFile(path: string, flag = '--merge'): { meta: ShardMeta; rows: StoredCase[] } {
  const { tableFromIPC } = arrowLib();
  let table;
  try {
    table = tableFromIPC(readFileSync(path));
  } catch (e) {
    throw new UserError(`${flag}: ${path}: not a readable shard file (${(e as Error).message.split('\n')[0]})`);
  }
  const md = table.schema.metadata;
  if (md.get('marketmakerl.format') !== SHARD_FORMAT) throw new UserError(`${flag}: ${path}: not a sweep shard (format ${md.get('marketmakerl.format') ?? 'unknown'}, expected ${SHARD_FORMAT})`);
  const m = JSON.parse(md.get('marketmakerl.sweep')!) as ShardMeta & { horizons: number[]; rows: number };
  const col = (name: string): { get(i: number): unknown } => {
    const c = table.getChild(name);
    if (!c) throw new UserError(`${flag}: ${path}: column ${name} is missing`);
    return c;
  };
  const num = (name: string): Float64Array => table.getChild(name)!.toArray() as Float64Array;
  const keys = col('key');
  const trials = col('trial');
  const blocks = col('block');
  const figs = Object.fromEntries(FIGURES.map((k) => [k, num(k)])) as Record<(typeof FIGURES)[number], Float64Array>;
  const rets = Object.fromEntries(RETURNS.map((k) => [k, num(`returns_${k}`)])) as Record<(typeof RETURNS)[number], Float64Array>;
  const mk = m.horizons.map((h) => ({ h, at: num(`markout_${h}_at`), fills: num(`markout_${h}_fills`), sum: num(`markout_${h}_sum_bps`) }));
  const rows: StoredCase[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const markouts: MarkoutSum[] = [];
    for (const c of mk) if (c.at[i]! >= 0) markouts[c.at[i]!] = { horizon: c.h, fills: c.fills[i]!, sum_bps: c.sum[i]! };
    const result = {
      pnl: figs.pnl[i]!,
      realized_pnl: figs.realized_pnl[i]!,
      inventory_pnl: figs.inventory_pnl[i]!,
      fees: figs.fees[i]!,
      fills: figs.fills[i]!,
      buy_fills: figs.buy_fills[i]!,
      sell_fills: figs.sell_fills[i]!,
      turnover: figs.turnover[i]!,
      max_drawdown: figs.max_drawdown[i]!,
      max_abs_inventory: figs.max_abs_inventory[i]!,
      returns: { n: rets.n[i]!, sum: rets.sum[i]!, sum2: rets.sum2[i]!, sum3: rets.sum3[i]!, sum4: rets.sum4[i]!, lagSum: rets.lagSum[i]!, lagPairs: rets.lagPairs[i]! },
      markouts,
    };
    rows.push({ key: String(keys.get(i)), trial: String(trials.get(i)), block: String(blocks.get(i)), data: m.dataDigest, engineVersion: m.engineVersion, result });
  }
  return { meta: { sweepId: m.sweepId, dataDigest: m.dataDigest, engineVersion: m.engineVersion, index: m.index, count: m.count, sweepCases: m.sweepCases }, rows };
}

/** Every shard file in the folders (`shard-I-of-N.arrow`); a folder without one is a UserError. */
export function findShardFiles(dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      if (!statSync(d).isDirectory()) throw new Error('not a folder');
      names = readdirSync(d);
    } catch (e) {
      throw new UserError(`--merge: ${d}: cannot read the folder (${(e as Error).message.split('\n')[0]})`);
    }
    const found = names.filter((n) => SHARD_FILE.test(n)).sort();
    if (found.length === 0) throw new UserError(`--merge: ${d} holds no shard file (shard-I-of-N.arrow, written by analyze --shard I/N --out ${d})`);
    out.push(...found.map((n) => join(d, n)));
  }
  return out;
}

/**
 * Every shard of this sweep from the folders, checked before anything is written: made by this build,
 * on this data, of this sweep (same cases), all of one split, none missing. Returns their cases.
 */
export function readShards(sweep: Sweep, dirs: readonly string[]): { files: string[]; rows: StoredCase[] } {
  const files = findShardFiles(dirs);
  const seen = new Set<number>();
  let count: number | undefined;
  const rows: StoredCase[] = [];
  for (const f of files) {
    const { meta, rows: r } = readShardFile(f);
    if (meta.engineVersion !== sweep.engineVersion) throw new UserError(`--merge: ${f} was made by another build of marketmakerl (engine ${meta.engineVersion}, this one ${sweep.engineVersion}); run the shards and the merge with one build`);
    if (meta.dataDigest !== sweep.dataDigest) throw new UserError(`--merge: ${f} holds cases on other data than this analysis; give the merge the data flags the shards had`);
    if (meta.sweepId !== sweep.sweepId) throw new UserError(`--merge: ${f} belongs to another sweep (other combinations, budgets, windows or backtest fields); give the merge the flags and config the shards had`);
    if (count !== undefined && meta.count !== count) throw new UserError(`--merge: ${f} is shard ${meta.index} of ${meta.count}, others are of ${count}; merge the shards of one split`);
    count = meta.count;
    seen.add(meta.index);
    rows.push(...r);
  }
  const missing = Array.from({ length: count ?? 0 }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) throw new UserError(`--merge: shard${missing.length > 1 ? 's' : ''} ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} of ${count} missing (looked in ${dirs.join(', ')})`);
  return { files, rows };
}

export interface ShardInput extends SweepInput {
  evaluator: Evaluator;
  progress: Progress;
  openStore?: () => ResultsStore;
  shard: { index: number; count: number };
  /** The folder the shard file goes to. */
  outDir: string;
}

export interface ShardOutcome {
  file: string;
  cases: number;
  evaluated: number;
  reused: number;
  sweepId: string;
}

/**
 * `analyze --shard I/N`: evaluate this shard's cases (stored ones come from the store, so a restarted
 * shard resumes) and write them as `shard-I-of-N.arrow`. A file of that name that holds anything but
 * this very shard is refused before any work; this shard's own file is replaced by the same content.
 */
export async function runShard(input: ShardInput): Promise<ShardOutcome> {
  const sweep = prepareSweep(input);
  const { index, count } = input.shard;
  const file = join(input.outDir, shardFileName(index, count));
  if (existsSync(file)) {
    const { meta } = readShardFile(file, '--out');
    if (meta.sweepId !== sweep.sweepId || meta.index !== index || meta.count !== count || meta.engineVersion !== sweep.engineVersion) {
      throw new UserError(`--out: ${file} exists and holds another sweep's shard; choose another --out`);
    }
  }
  const store = input.openStore?.();
  try {
    const only = shardCases(sweep, index, count);
    const got = await collectResults(sweep, { evaluator: input.evaluator, progress: input.progress, only, ...(store ? { store } : {}) });
    const rows: StoredCase[] = only.map((i) => {
      const c = sweep.cases[i]!;
      return { key: sweep.keys[i]!, data: sweep.dataDigest, trial: sweep.trialKeys[c.trial]!, block: sweep.blockKeys[c.block]!, engineVersion: sweep.engineVersion, result: got.results[c.trial]![c.block]! };
    });
    writeShardFile(file, { sweepId: sweep.sweepId, dataDigest: sweep.dataDigest, engineVersion: sweep.engineVersion, index, count, sweepCases: sweep.cases.length }, rows);
    return { file, cases: rows.length, evaluated: got.evaluated, reused: got.reused, sweepId: sweep.sweepId };
  } finally {
    store?.close();
  }
}
