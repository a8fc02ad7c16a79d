// `marketmakerl train-rl`: train an RL policy that tunes AS / GLFT; writes policy.json, training.csv and the learning curve.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, checkRunFolderTarget, mkdirNewStamped, readConfigMapping, removeCreatedDirs, utcStamp, writeDirAtomic } from '../../core/index.js';
import { serializePolicy } from '../../models/index.js';
import { parseRlTrainConfig, trainRl, trainingCsv, learningCurveSpec } from '../../research/rl/index.js';
import { renderSvg, svgToPng } from '../../report/charts.js';

export interface TrainRlFlags {
  data?: string;
  simulate?: boolean;
  episodes?: number;
  seed?: number;
  workers?: number;
  out?: string;
  force?: boolean;
  config?: string;
  model?: string;
  gamma?: number;
  policyKind?: string;
  episodeBars?: number;
  inventoryPenalty?: number;
  quiet?: boolean;
}

/** A training config field → the flag (commander's key and its name) that sets it. */
const FLAG_OF: Record<string, readonly [keyof TrainRlFlags, string]> = {
  'data.path': ['data', '--data'],
  episodes: ['episodes', '--episodes'],
  seed: ['seed', '--seed'],
  workers: ['workers', '--workers'],
  'backtest.model': ['model', '--model'],
  base_gamma: ['gamma', '--gamma'],
  'policy.kind': ['policyKind', '--policy-kind'],
  episode_bars: ['episodeBars', '--episode-bars'],
  inventory_penalty: ['inventoryPenalty', '--inventory-penalty'],
};

/** What a message calls a field: the flag that set it, else the config file's field, else the field. */
function fieldOf(f: TrainRlFlags): (path: string) => string {
  return (p) => {
    const flag = FLAG_OF[p];
    if (flag !== undefined && f[flag[0]] !== undefined) return flag[1];
    return f.config !== undefined ? `--config ${f.config}: ${p}` : (flag?.[1] ?? p);
  };
}

export function trainConfigFromFlags(f: TrainRlFlags): Record<string, unknown> {
  if (f.data !== undefined && f.simulate) throw new UserError('--data and --simulate: choose one');
  const cfg: Record<string, unknown> = f.config ? readConfigMapping(f.config) : {};
  const obj = (k: string): Record<string, unknown> => {
    const v = cfg[k];
    const o = v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...(v as Record<string, unknown>) } : {};
    cfg[k] = o;
    return o;
  };
  const set = (o: Record<string, unknown>, k: string, v: unknown): void => {
    if (v !== undefined) o[k] = v;
  };
  const data = obj('data');
  set(data, 'path', f.data);
  if (f.simulate) delete data['path'];
  set(cfg, 'episodes', f.episodes);
  set(cfg, 'seed', f.seed);
  set(cfg, 'workers', f.workers);
  set(cfg, 'base_gamma', f.gamma);
  set(cfg, 'episode_bars', f.episodeBars);
  set(cfg, 'inventory_penalty', f.inventoryPenalty);
  set(obj('backtest'), 'model', f.model);
  set(obj('policy'), 'kind', f.policyKind);
  return cfg;
}

export async function trainRlCommand(flags: TrainRlFlags): Promise<void> {
  if (flags.out !== undefined) checkRunFolderTarget(flags.out, '--out', flags.force === true, { files: [flags.data, flags.config] });
  const c = parseRlTrainConfig(trainConfigFromFlags(flags), fieldOf(flags));
  // The default folder is created now, exclusively: two trainings started in the same second get one each (the second <stamp>_2).
  const reserved = flags.out === undefined ? mkdirNewStamped(join('artifacts', 'rl', `train_${utcStamp(new Date())}`)) : undefined;
  const out = reserved?.path ?? flags.out!;
  try {
    await trainInto(flags, c, out, reserved !== undefined);
  } catch (e) {
    if (reserved !== undefined) removeCreatedDirs(reserved.created);
    throw e;
  }
}

async function trainInto(flags: TrainRlFlags, c: ReturnType<typeof parseRlTrainConfig>, out: string, reserved: boolean): Promise<void> {
  const { silentProgress, streamProgress } = await import('../../core/progress.js');
  const r = await trainRl(c, flags.quiet ? silentProgress : streamProgress(process.stderr));
  const source = c.data.path ?? 'simulated market';
  const spec = learningCurveSpec(r.rows, `RL (CEM, ${c.policy.kind}) on ${source.split('/').pop()}, seed ${c.seed}`);
  const png = await svgToPng(await renderSvg(spec), 1000);
  // The whole folder or nothing: a policy without its training record is not written.
  writeDirAtomic(
    out,
    (tmp) => {
      writeFileSync(join(tmp, 'policy.json'), serializePolicy(r.policy));
      writeFileSync(join(tmp, 'training.csv'), trainingCsv(r.rows));
      writeFileSync(join(tmp, 'learning-curve.png'), png);
    },
    { force: flags.force === true, kind: 'rl-training', reserved },
  );
  const summary = {
    out,
    policy: join(out, 'policy.json'),
    generations: r.rows.length - 1,
    episodes: r.rows[r.rows.length - 1]!.episode,
    base: r.policy.base,
    untrained_eval_reward: round(r.untrainedEvalReward),
    best_eval_reward: round(r.bestEvalReward),
    kept_generation: r.policy.training['kept_generation'],
    warnings: r.warnings,
    seconds: round(r.seconds),
  };
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(JSON.stringify(summary) + '\n');
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
