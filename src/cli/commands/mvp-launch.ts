// `marketmakerl mvp-launch`: consistency-check → campaign → analyze → walk-forward → a short paper session, stopping at the first failure;
// one JSON line with each step's verdict, time and summary (the figures of its own JSON line); exit 1 when a step fails.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError, mkdirNewFolder, mkdirNewStamped, readConfigMapping, removeCreatedDirs, utcStamp } from '../../core/index.js';
import { runChain, type Step } from '../../ops/index.js';

export interface MvpLaunchFlags {
  config: string;
  data: string;
  events: string[];
  paperConfig?: string;
  /** The one config file of the analysis and the walk-forward (its `analysis:` section: sampling, walk-forward, readiness rules). */
  analysisConfig?: string;
  out?: string;
  /** Seeds of the campaign (then the first again). */
  seeds: number;
  /** Days of the analysis and of the walk-forward (the 4/2 scheme needs 6). */
  days: number;
  /** Combinations of the analysis; the walk-forward's default is half of it per scheme. */
  maxCombinations: number;
  wfCombinations?: number;
}

/** Of a step's own JSON line, the figures the launch's line repeats as that step's summary. */
function pick(r: Record<string, unknown> | undefined, keys: readonly string[]): Record<string, unknown> | undefined {
  if (r === undefined) return undefined;
  return Object.fromEntries(keys.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
}

const SUMMARY: Readonly<Record<string, (r: Record<string, any>) => Record<string, unknown> | undefined>> = {
  'consistency-check': (r) => ({ ...pick(r, ['make_lines', 'cli_lines']), broken: Array.isArray(r['broken']) ? r['broken'].length : null }),
  campaign: (r) => pick(r, ['campaign_id', 'seeds', 'runs_failed', 'repeat_agrees', 'risk_breaches', 'out']),
  analysis: (r) => pick(r, ['ready_for_live_keys', 'failed_checks', 'windows', 'oos_pnl', 'oos_sharpe', 'analysis_json']),
  'walk-forward': (r) => {
    const rob = (r['robustness'] ?? {}) as Record<string, unknown>;
    return { ...pick(rob, ['robust', 'why', 'completed', 'oos_pnl_min', 'oos_pnl_max']), out: r['out'] };
  },
  paper: (r) => pick(r, ['run_id', 'events', 'fills', 'total_pnl', 'trading_state', 'risk_transitions', 'ledger']),
};

export function mvpLaunchCommand(f: MvpLaunchFlags): void {
  // The config files its steps read, as each of them would read it (an empty one is refused here, before any step).
  for (const [flag, p] of [['--config', f.config], ['--paper-config', f.paperConfig], ['--analysis-config', f.analysisConfig]] as const) if (p !== undefined) readConfigMapping(p, { flag });
  const inputs = [f.config, f.data, ...f.events, ...(f.paperConfig ? [f.paperConfig] : []), ...(f.analysisConfig ? [f.analysisConfig] : [])];
  for (const p of inputs) if (!existsSync(p)) throw new UserError(`cannot read file ${p}`);
  const whole = (flag: string, x: number | undefined, lo: number, hi: number): void => {
    if (x !== undefined && (!Number.isInteger(x) || x < lo || x > hi)) throw new UserError(`${flag}: expected a whole number in [${lo}, ${hi}], got ${x}`);
  };
  whole('--seeds', f.seeds, 1, 100);
  whole('--days', f.days, 1, 3650);
  whole('--max-combinations', f.maxCombinations, 1, 100_000);
  whole('--wf-combinations', f.wfCombinations, 1, 100_000);
  const wfCombinations = f.wfCombinations ?? Math.max(1, Math.floor(f.maxCombinations / 2));
  const analysisConfig = f.analysisConfig !== undefined ? ['--config', f.analysisConfig] : [];
  // The folder is created now, exclusively, under the output rules (refused in one line before any step); the
  // default one is new by its name: two launches started in the same second get one each (the second <stamp>_2).
  const folder =
    f.out === undefined
      ? mkdirNewStamped(resolve('artifacts', 'launch', `mvp_${utcStamp(new Date())}`))
      : { path: resolve(f.out), created: mkdirNewFolder(f.out, '--out', 'a launch writes into a new folder only', { files: inputs }) };
  const out = folder.path;
  const steps: Step[] = [
    { step: 'consistency-check', args: ['consistency-check'] },
    { step: 'campaign', args: ['campaign', '--n', String(f.seeds), '--config', f.config, '--max-workers', '1', '--out', join(out, 'campaign')] },
    {
      step: 'analysis',
      args: ['analyze', ...analysisConfig, '--data', f.data, '--days', String(f.days), '--max-combinations', String(f.maxCombinations), '--workers', '1', '--quiet', '--out', join(out, 'analysis')],
      // A launch goes on only when the analysis says the strategy is ready: its readiness gate out of sample.
      holds: (r) => (r?.['ready_for_live_keys'] === true ? undefined : `analysis: the readiness gate says not ready (failed: ${((r?.['failed_checks'] as string[] | undefined) ?? []).join(', ')})`),
    },
    { step: 'walk-forward', args: ['experiments', '--preset', 'walk-forward', ...analysisConfig, '--data', f.data, '--days', String(f.days), '--max-combinations', String(wfCombinations), '--out', join(out, 'walk-forward')] },
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
      steps: chain.results.map((r) => {
        const summary = r.result !== undefined ? SUMMARY[r.step]?.(r.result) : undefined;
        return { step: r.step, ok: r.ok, exit_code: r.exit_code, seconds: r.seconds, ...(summary !== undefined ? { summary } : {}), ...(r.error ? { error: r.error } : {}) };
      }),
      not_run: chain.not_run,
    }) + '\n',
  );
  // A launch that wrote nothing (its first step failed) leaves no empty folder behind.
  removeCreatedDirs(folder.created);
  if (!chain.ok) process.exitCode = 1;
}
