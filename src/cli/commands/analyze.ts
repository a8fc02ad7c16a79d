// `marketmakerl analyze`: starts asked-for worker threads first, then loads the analysis, so both load at once.
import type { AnalyzeFlags } from './analyze-run.js';

export async function analyzeCommand(flags: AnalyzeFlags): Promise<void> {
  const w = flags.workers;
  let pool = null;
  if (flags.queue === undefined && flags.merge === undefined && w !== undefined && Number.isInteger(w) && w > 1 && w <= 64) {
    const { startEvalPool } = await import('../../research/eval-pool.js');
    pool = startEvalPool(w - 1, { warmBar: flags.engine !== 'tick' && flags.events === undefined });
  }
  const { runAnalyzeCommand } = await import('./analyze-run.js');
  await runAnalyzeCommand(flags, pool);
}
