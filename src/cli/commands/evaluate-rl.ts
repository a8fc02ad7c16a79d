// `marketmakerl evaluate-rl`: the RL policy against tuned AS and GLFT on held-out data; writes a JSON table.
import { dirname, join } from 'node:path';
import { UserError, checkOutputFile, isOurs, sameFile, writeFileAtomic } from '../../core/index.js';
import { loadKlines } from '../../data/index.js';
import { loadPolicyFile } from '../../models/index.js';
import { dataSpecOf, evaluateRl, evaluationMarkdown, loadSpec, trainConfigOf } from '../../research/rl/index.js';

export interface EvaluateRlFlags {
  policy: string;
  data?: string;
  simulate?: boolean;
  trainData?: string;
  out?: string;
  force?: boolean;
  markdown?: boolean;
}

export async function evaluateRlCommand(f: EvaluateRlFlags): Promise<void> {
  if (f.simulate === true && f.data === undefined && f.trainData !== undefined) throw new UserError('--train-data: only with --data (--simulate evaluates on the simulated market the policy was trained on, its training period included)');
  if (f.force === true && f.out === undefined) throw new UserError('--force: replaces an existing --out file; the default evaluation.json beside the policy is replaced without it');
  const byDefault = join(dirname(f.policy), 'evaluation.json');
  const out = f.out ?? byDefault;
  // The policy's training folder (ours) takes evaluation.json and nothing else of this command.
  const policyRun = isOurs(dirname(f.policy)) && !sameFile(out, byDefault) ? dirname(f.policy) : undefined;
  checkOutputFile(out, '--out', f.force === true, f.out === undefined, { files: [f.policy, f.data, f.trainData], folders: [policyRun] });
  const policy = loadPolicyFile(f.policy);
  const c = trainConfigOf(policy, `--policy ${f.policy}`);
  if (f.data !== undefined && f.simulate) throw new UserError('--data and --simulate: choose one');
  const trained = policy.training['data'] as { kind?: string; path?: string } | undefined;
  let heldout;
  let train;
  if (f.simulate) {
    if (c.data.path) throw new UserError('--simulate: this policy was trained on a file; give --data HELD_OUT');
    heldout = train = loadSpec(dataSpecOf(c));
  } else {
    if (!f.data) throw new UserError('--data: required (held-out klines after the training period), or --simulate');
    heldout = loadKlines(f.data).bars;
    const trainPath = f.trainData ?? (trained?.kind === 'file' ? trained.path : undefined);
    if (trainPath) train = trainPath === f.data ? heldout : loadKlines(trainPath).bars;
    else if (!c.data.path) train = loadSpec(dataSpecOf(c));
    else throw new UserError('--train-data: required (the policy does not name its training data)');
  }
  const report = evaluateRl(policy, heldout, train, `--policy ${f.policy}`);
  writeFileAtomic(out, JSON.stringify({ policy: f.policy, data: f.data ?? 'simulated', ...report }, null, 2) + '\n');
  if (f.markdown) process.stdout.write(evaluationMarkdown(report));
  else process.stdout.write(JSON.stringify({ out, heldout: report.heldout, rows: report.rows, paired: report.paired }) + '\n');
}
