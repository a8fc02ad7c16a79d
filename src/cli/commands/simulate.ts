// `marketmakerl simulate as2008`: the Avellaneda–Stoikov (2008) Monte Carlo, one JSON object out.
import { UserError } from '../../core/index.js';
import { runAs2008, as2008Defaults } from '../../research/as2008.js';

export async function as2008Command(opts: { gamma: number; paths: number; seed: number }): Promise<void> {
  if (!(opts.gamma > 0)) throw new UserError(`--gamma: expected a positive number, got ${opts.gamma}`);
  if (!Number.isInteger(opts.paths) || opts.paths < 2 || opts.paths > 1_000_000) throw new UserError(`--paths: expected an integer from 2 to 1000000, got ${opts.paths}`);
  if (!Number.isInteger(opts.seed) || opts.seed < 0) throw new UserError(`--seed: expected a non-negative integer, got ${opts.seed}`);
  const r = runAs2008({ ...as2008Defaults, gamma: opts.gamma, paths: opts.paths, seed: opts.seed });
  process.stdout.write(JSON.stringify(r) + '\n');
}
