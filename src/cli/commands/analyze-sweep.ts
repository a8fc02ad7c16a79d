// How analyze runs its sweep: in full (artifacts and report), as one shard (an Arrow file), or as the merge of shards.
import { join } from 'node:path';
import { UserError, ensureCollectionFolder } from '../../core/index.js';
import { runAnalysis, type AnalysisInput, type AnalysisResult } from '../../research/analysis.js';
import { RESULTS_STORE_FILE, ResultsStore } from '../../research/results-store.js';
import { parseShardSpec } from '../../research/sweep-shard.js';

export const DEFAULT_ANALYSIS_DIR = 'artifacts/last_month_analysis';

/** The flags that choose how the sweep runs. */
export interface SweepFlags {
  out?: string;
  queue?: string;
  /** `I/N`: evaluate this shard's share of the cases and write it as Arrow into --out. */
  shard?: string;
  /** Folders of shard runs to build the analysis from. */
  merge?: string[];
  /** Why the trial count on this data starts afresh. */
  freshTrials?: string;
  /** false with --no-shared-pass. */
  sharedPass?: boolean;
  /** Evaluation threads of this process. */
  workers?: number;
}

const MIN_REASON = 10;

/** Refuse combinations that cannot mean anything, before any data is read or anything written. */
export function checkSweepFlags(f: SweepFlags): void {
  if (f.shard !== undefined) {
    if (f.merge !== undefined) throw new UserError('--shard: a run either evaluates one shard or merges shards (--merge), not both');
    if (f.out === undefined) throw new UserError('--shard: give --out DIR, the folder the shard file goes to');
    if (f.freshTrials !== undefined) throw new UserError('--fresh-trials: trials are counted where the shards are merged; give it to analyze --merge');
    parseShardSpec(f.shard);
  }
  if (f.merge !== undefined) {
    if (f.merge.length === 0) throw new UserError('--merge: expected one or more folders of analyze --shard runs');
    if (f.queue !== undefined) throw new UserError('--merge: the shards hold every case, nothing runs on a queue; drop --queue');
    if (f.workers !== undefined) throw new UserError('--workers: a merge runs no case (the shards hold every result); give it to the analyze --shard runs');
    if (f.sharedPass === false) throw new UserError('--no-shared-pass: a merge runs no case (the shards hold every result); give it to the analyze --shard runs');
  }
  if (f.queue !== undefined && f.workers !== undefined) throw new UserError('--workers: with --queue the cases run on the queue\'s workers (marketmakerl worker --concurrency N), not in this process');
  if (f.freshTrials !== undefined) {
    const r = f.freshTrials.trim();
    if (r.length < MIN_REASON || !/\p{L}/u.test(r)) throw new UserError(`--fresh-trials: state why the trial count on this data starts afresh (at least ${MIN_REASON} characters), e.g. --fresh-trials 'fees changed: earlier trials priced the old schedule'`);
  }
}

/**
 * The results store beside the output (every evaluated case, so a re-run or a resumed sweep skips what
 * is stored), opened once the sweep is known to be valid: the folder is checked and marked as ours
 * first, so bad input writes nothing.
 */
export function storeOpener(out: string | undefined): () => ResultsStore {
  return () => {
    const dir = out ?? DEFAULT_ANALYSIS_DIR;
    ensureCollectionFolder(dir, '--out', 'analysis', out === undefined);
    return ResultsStore.open(join(dir, RESULTS_STORE_FILE));
  };
}

/**
 * Run the sweep the flags ask for. A shard run prints its summary line and returns null; otherwise the
 * full analysis (run here, or merged from shards) comes back for its artifacts and report.
 */
export async function runSweep(f: SweepFlags, input: Omit<AnalysisInput, 'openStore' | 'mergeFrom' | 'freshTrials' | 'sharedPass'>): Promise<AnalysisResult | null> {
  const openStore = storeOpener(f.out);
  const sharedPass = f.sharedPass !== false;
  if (f.shard !== undefined) {
    const { runShard } = await import('../../research/sweep-shard.js');
    if (!input.evaluator) throw new UserError('--shard: no evaluator');
    const s = await runShard({ ...input, evaluator: input.evaluator, openStore, sharedPass, shard: parseShardSpec(f.shard), outDir: f.out! });
    process.stdout.write(JSON.stringify({ shard: f.shard, file: s.file, cases: s.cases, evaluated: s.evaluated, reused: s.reused, sweep_id: s.sweepId }) + '\n');
    return null;
  }
  return runAnalysis({
    ...input,
    openStore,
    sharedPass,
    ...(f.merge !== undefined ? { mergeFrom: f.merge } : {}),
    ...(f.freshTrials !== undefined ? { freshTrials: f.freshTrials.trim() } : {}),
  });
}
