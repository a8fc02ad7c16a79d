// `marketmakerl experiments --preset NAME`: `analyze` over the preset's variants (walk-forward windows, budgets, seeds), then a robustness
// table across them; exit 1 when a variant fails or the conclusion changes with the variant.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, assertSafeOutput, mkdirNewStamped, readConfigMapping, removeCreatedDirs, utcStamp, writeFileAtomic } from '../../core/index.js';
import { PRESETS, robustness, type VariantResult } from '../../ops/index.js';

export interface ExperimentsFlags {
  preset: string;
  data?: string;
  config?: string;
  days: number;
  maxCombinations: number;
  out?: string;
}

export function experimentsCommand(f: ExperimentsFlags): void {
  const preset = PRESETS[f.preset];
  if (!preset) throw new UserError(`--preset: expected one of ${Object.keys(PRESETS).join(', ')}, got '${f.preset}'`);
  if (f.data === undefined && f.config === undefined) throw new UserError('--data: expected a kline CSV file (or --config naming data.path)');
  if (f.data !== undefined && !existsSync(f.data)) throw new UserError(`--data: cannot read file ${f.data}`);
  // Read as each variant reads it: an empty or unreadable file is refused here, not three times over.
  if (f.config !== undefined) readConfigMapping(f.config);
  if (f.out !== undefined) {
    // Under the output rules, refused in one line before the first variant runs.
    assertSafeOutput(f.out, '--out');
    if (existsSync(f.out) && !statSync(f.out).isDirectory()) throw new UserError(`--out: '${f.out}' is a file, not a folder; choose a new folder`);
    if (existsSync(join(f.out, 'experiments.json'))) throw new UserError(`--out: ${f.out} holds an earlier experiment; it is never replaced`);
  }
  // The default folder is created now, exclusively: two experiments started in the same second get one each (the second <stamp>_2).
  const reserved = f.out === undefined ? mkdirNewStamped(join('artifacts', 'experiments', `${f.preset}_${utcStamp(new Date())}`)) : undefined;
  try {
    experimentsInto(f, preset, reserved?.path ?? f.out!);
  } catch (e) {
    if (reserved !== undefined) removeCreatedDirs(reserved.created);
    throw e;
  }
}

function experimentsInto(f: ExperimentsFlags, preset: NonNullable<(typeof PRESETS)[string]>, out: string): void {
  const rows: VariantResult[] = [];
  for (const v of preset.variants) {
    // Each variant is the analyze command itself, in a child process: the same code path a user runs.
    const args = [
      ...process.execArgv,
      process.argv[1]!,
      'analyze',
      ...(f.data !== undefined ? ['--data', f.data] : []),
      ...(f.config !== undefined ? ['--config', f.config] : []),
      '--days', String(f.days),
      '--max-combinations', String(f.maxCombinations),
      '--workers', '1',
      '--quiet',
      '--out', join(out, v.name),
      ...v.args,
    ];
    const t0 = Date.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    const line = (r.stdout ?? '').trim().split('\n').filter(Boolean).pop();
    let j: Record<string, any> | undefined;
    try {
      j = line ? (JSON.parse(line) as Record<string, any>) : undefined;
    } catch {
      j = undefined;
    }
    const row: VariantResult =
      r.status === 0 && j
        ? { variant: v.name, ok: true, exit_code: 0, ready_for_live_keys: j.ready_for_live_keys, failed_checks: j.failed_checks, oos_pnl: j.oos_pnl, oos_sharpe: j.oos_sharpe, windows: j.windows, best_strategy: j.best_strategy, analysis_json: j.analysis_json }
        : { variant: v.name, ok: false, exit_code: r.status, error: (r.stderr ?? '').trim().split('\n').pop() ?? 'no output' };
    rows.push(row);
    process.stderr.write(`experiments: ${f.preset} ${v.name}: ${row.ok ? `oos pnl ${row.oos_pnl}, sharpe ${row.oos_sharpe}, ${row.ready_for_live_keys ? 'ready' : 'not ready'}` : `FAILED (${row.error})`}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const rob = robustness(rows);
  const doc = { check: 'experiments', ok: rob.robust, preset: f.preset, what: preset.what, data: f.data ?? null, config: f.config ?? null, days: f.days, max_combinations: f.maxCombinations, robustness: rob, table: rows };
  writeFileAtomic(join(out, 'experiments.json'), JSON.stringify(doc, null, 2) + '\n');
  if (!rob.robust) process.stderr.write(`experiments: not robust: ${rob.why}\n`);
  process.stdout.write(JSON.stringify({ ...doc, out: join(out, 'experiments.json') }) + '\n');
  if (!rob.robust) process.exitCode = 1;
}
