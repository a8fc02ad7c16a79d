// `marketmakerl campaign --n N`: the runtime pipeline N times with different seeds, then the first seed again; the PnL spread across seeds;
// exit 1 when a run fails, when the repeated seed's results differ by one byte, or when a seed disagrees with --baseline.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { InPlaceRunFolder, UserError, ensureCollectionFolder, writeFileAtomic } from '../../core/index.js';
import { digestDifferences, digestRun, pnlSpread, type RunDigest } from '../../ops/index.js';
import { DEFAULT_ARTIFACTS_DIR, MODES, agentDataPath, loadConfig, runRuntime, type Mode, type RunSummary, type RuntimeConfig } from '../../runtime/index.js';

export interface CampaignFlags {
  n: number;
  config: string;
  mode?: string;
  seed?: number;
  maxWorkers?: number;
  baseline?: string;
  out?: string;
  force?: boolean;
}

/** The campaign's own file in its folder. */
export const CAMPAIGN_FILE = 'campaign.json';

interface CampaignFile {
  campaign_id: string;
  seeds: number[];
  runs: RunDigest[];
}

/** An earlier campaign: its folder (its campaign.json) or that file itself. */
function readBaseline(path: string): Map<number, RunDigest> {
  let c: CampaignFile;
  try {
    if (statSync(path).isDirectory()) path = join(path, CAMPAIGN_FILE);
    c = JSON.parse(readFileSync(path, 'utf8')) as CampaignFile;
  } catch {
    throw new UserError(`--baseline: cannot read a campaign folder or JSON file at ${path}`);
  }
  if (!Array.isArray(c.runs) || c.runs.some((r) => typeof r?.seed !== 'number' || typeof r?.digest !== 'string' || typeof r?.files !== 'object')) {
    throw new UserError(`--baseline: ${path} is not a campaign file (runs[].seed, digest, files expected)`);
  }
  return new Map(c.runs.map((r) => [r.seed, r]));
}

const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace('.', '');

/** What the runs read (the config, its data, events, policies and strategy modules): the campaign folder may hold none of them. */
function runInputs(cfg: RuntimeConfig, configPath: string, cwd: string): string[] {
  const files = [configPath];
  for (const a of cfg.agents) {
    const data = agentDataPath(cfg, a, cwd);
    if (data !== undefined) files.push(data);
    if (a.role === 'ml' && a.params.policy !== undefined) files.push(resolve(cwd, a.params.policy));
    if (a.role === 'execution') {
      const t = a.params.trading;
      if (t.data.events !== undefined) files.push(resolve(cwd, t.data.events));
      if (t.quoting.strategy !== undefined) files.push(resolve(cwd, t.quoting.strategy));
    }
  }
  return files;
}

export async function campaignCommand(f: CampaignFlags): Promise<void> {
  if (!Number.isInteger(f.n) || f.n < 1 || f.n > 100) throw new UserError(`--n: expected a whole number of seeds in [1, 100], got ${f.n}`);
  if (f.mode !== undefined && !(MODES as readonly string[]).includes(f.mode)) throw new UserError(`--mode: expected one of ${MODES.join(', ')}, got '${f.mode}'`);
  if (f.mode === 'live') throw new UserError('--mode: a campaign repeats runs; live trading is not repeatable (use backtest or paper)');
  const baseline = f.baseline !== undefined ? readBaseline(f.baseline) : undefined;
  const seed0 = f.seed ?? 7;
  if (!Number.isInteger(seed0) || seed0 < 0) throw new UserError(`--seed: expected an integer >= 0, got ${seed0}`);
  const cwd = process.cwd();
  const cfg = loadConfig(f.config, cwd);
  const id = `campaign_${stamp(new Date())}`;
  // The campaign's folder: every run's files and campaign.json, under the run folder's rules (new, or an
  // earlier campaign of ours with --force; never one holding or inside what the runs read), checked
  // before any work.
  const outDir = f.out ?? join(cfg.paths.artifacts_dir, 'campaigns', id);
  const baselineIsFolder = f.baseline !== undefined && statSync(f.baseline).isDirectory();
  const inputs = { files: [...runInputs(cfg, f.config, cwd), ...(f.baseline !== undefined && !baselineIsFolder ? [f.baseline] : [])], folders: baselineIsFolder ? [f.baseline] : [] };
  // By default the folder lies in the runtime's artifacts folder, which follows its own rules (new, empty or ours).
  const undoArtifacts = f.out === undefined ? ensureCollectionFolder(cfg.paths.artifacts_dir, 'paths.artifacts_dir', 'runtime-artifacts', cfg.paths.artifacts_dir === DEFAULT_ARTIFACTS_DIR, cwd) : () => {};
  let folder: InPlaceRunFolder;
  try {
    folder = new InPlaceRunFolder(outDir, 'campaign', (name) => name === CAMPAIGN_FILE || name.startsWith(`${id}_`), { force: f.force === true, flag: '--out', inputs });
  } catch (e) {
    undoArtifacts();
    throw e;
  }
  try {
    const seeds = Array.from({ length: f.n }, (_, i) => seed0 + i);
    const once = async (seed: number, suffix: string): Promise<RunDigest> => {
      const t0 = Date.now();
      const s: RunSummary = await runRuntime({
        configPath: f.config,
        runId: `${id}_seed${seed}${suffix}`,
        seed,
        artifactsDir: folder.path,
        ...(f.mode !== undefined ? { mode: f.mode as Mode } : {}),
        ...(f.maxWorkers !== undefined ? { maxWorkers: f.maxWorkers } : {}),
        writeLog: () => {},
      });
      folder.mark();
      const d = digestRun({ run_id: s.run_id, seed, status: s.status, failures: s.failures, risk_status: s.risk_status, pnl: s.pnl, outputs: s.agents.flatMap((a) => a.outputs) }, cwd);
      process.stderr.write(`campaign: seed ${seed}${suffix ? ' (repeat)' : ''}: ${s.status}, risk ${s.risk_status}, pnl ${JSON.stringify(s.pnl)}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      return d;
    };
    const runs: RunDigest[] = [];
    for (const seed of seeds) runs.push(await once(seed, ''));
    const repeat = await once(seed0, '_repeat');
    const first = runs[0]!;
    const repeatDiff = digestDifferences(first, repeat);
    const baselineDiff: { seed: number; files: string[] }[] = [];
    if (baseline) {
      for (const r of runs) {
        const b = baseline.get(r.seed);
        if (b && b.digest !== r.digest) baselineDiff.push({ seed: r.seed, files: digestDifferences(b, r) });
      }
    }
    const failed = [...runs, repeat].filter((r) => r.status !== 'ok').map((r) => r.run_id);
    const problems: string[] = [];
    if (failed.length > 0) problems.push(`${failed.length} run(s) failed: ${failed.join(', ')}`);
    if (repeatDiff.length > 0) problems.push(`seed ${seed0} run twice gave different results in ${repeatDiff.join(', ')}`);
    for (const b of baselineDiff) problems.push(`seed ${b.seed} differs from the baseline in ${b.files.join(', ')}`);
    const compared = baseline ? runs.filter((r) => baseline.has(r.seed)).length : 0;
    if (baseline && compared === 0) problems.push('--baseline: no seed of this campaign is in the baseline');
    const file = {
      campaign_id: id,
      config: f.config,
      mode: f.mode ?? null,
      seeds,
      runs,
      repeat,
      repeat_agrees: repeatDiff.length === 0,
      repeat_differences: repeatDiff,
      baseline: f.baseline ?? null,
      baseline_seeds_compared: compared,
      baseline_differences: baselineDiff,
      spread: pnlSpread(runs),
      problems,
    };
    writeFileAtomic(join(folder.path, CAMPAIGN_FILE), JSON.stringify(file, null, 2) + '\n');
    folder.commit();
    for (const p of problems) process.stderr.write(`campaign: ${p}\n`);
    const ok = problems.length === 0;
    const rel = relative(cwd, folder.path);
    const out = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : folder.path;
    process.stdout.write(
      JSON.stringify({
        check: 'campaign',
        ok,
        campaign_id: id,
        seeds,
        runs_failed: failed.length,
        repeat_seed: seed0,
        repeat_agrees: repeatDiff.length === 0,
        repeat_digest: repeat.digest,
        baseline_seeds_compared: compared,
        baseline_differences: baselineDiff.length,
        spread: file.spread,
        risk_breaches: runs.filter((r) => r.risk_status === 'breach').length,
        out,
        campaign_json: join(out, CAMPAIGN_FILE),
      }) + '\n',
    );
    if (!ok) process.exitCode = 1;
  } catch (e) {
    folder.abort();
    undoArtifacts();
    throw e;
  }
}
