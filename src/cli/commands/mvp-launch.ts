// `marketmakerl mvp-launch`: consistency-check → campaign → analyze → walk-forward → a short paper session, stopping at the first failure;
// one JSON line with each step's verdict and time; exit 1 when a step fails.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError, utcStamp } from '../../core/index.js';
import { runChain, type Step } from '../../ops/index.js';

export interface MvpLaunchFlags {
  config: string;
  data: string;
  events: string[];
  paperConfig?: string;
  out?: string;
}

export function mvpLaunchCommand(f: MvpLaunchFlags): void {
  for (const p of [f.config, f.data, ...f.events, ...(f.paperConfig ? [f.paperConfig] : [])]) if (!existsSync(p)) throw new UserError(`cannot read file ${p}`);
  const out = resolve(f.out ?? join('artifacts', 'launch', `mvp_${utcStamp(new Date())}`));
  if (existsSync(out)) throw new UserError(`--out: ${out} exists; a launch writes into a new folder only`);
  const steps: Step[] = [
    { step: 'consistency-check', args: ['consistency-check'] },
    { step: 'campaign', args: ['campaign', '--n', '2', '--config', f.config, '--max-workers', '1', '--out', join(out, 'campaign.json')] },
    {
      step: 'analysis',
      args: ['analyze', '--data', f.data, '--days', '7', '--max-combinations', '8', '--workers', '1', '--quiet', '--out', join(out, 'analysis')],
      // A launch goes on only when the analysis says the strategy is ready: its readiness gate out of sample.
      holds: (r) => (r?.['ready_for_live_keys'] === true ? undefined : `analysis: the readiness gate says not ready (failed: ${((r?.['failed_checks'] as string[] | undefined) ?? []).join(', ')})`),
    },
    { step: 'walk-forward', args: ['experiments', '--preset', 'walk-forward', '--data', f.data, '--days', '7', '--max-combinations', '4', '--out', join(out, 'walk-forward')] },
    {
      step: 'paper',
      args: ['realtime', '--replay', ...f.events, '--clock', 'event', ...(f.paperConfig ? ['--config', f.paperConfig] : []), '--ledger', join(out, 'paper', 'ledger.sqlite'), '--halt-file', join(out, 'paper', 'HALT'), '--out-dir', join(out, 'paper')],
      holds: (r) => (r?.['summary'] === true ? undefined : 'paper: no summary line'),
    },
  ];
  const chain = runChain(steps, (r) => process.stderr.write(`mvp-launch: ${r.step}: ${r.ok ? 'ok' : `FAILED (${r.error})`} in ${r.seconds} s\n`));
  process.stdout.write(
    JSON.stringify({
      check: 'mvp-launch',
      ok: chain.ok,
      out,
      steps: chain.results.map((r) => ({ step: r.step, ok: r.ok, exit_code: r.exit_code, seconds: r.seconds, ...(r.error ? { error: r.error } : {}) })),
      not_run: chain.not_run,
    }) + '\n',
  );
  if (!chain.ok) process.exitCode = 1;
}
