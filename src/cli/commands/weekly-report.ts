// `marketmakerl weekly-report`: the paper and live runs of the last N days (ledgers) and the backtest run folders: PnL, fills, uptime,
// reconnects, risk events, halts; a JSON file and a self-contained HTML page; exit 1 when there is nothing to report or a ledger is unsound.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, assertSafeOutput, isoOf, mkdirNewStamped, removeCreatedDirs, utcStamp, writeFileAtomic } from '../../core/index.js';
import { fillAgreement, findLedgers, ledgerWeek, runFoldersSince, type FillAgreement } from '../../ops/index.js';
import { renderParityReport } from '../../report/parity-report.js';
import { pct, signed } from '../../report/format.js';
import { esc, page, table } from '../../report/html.js';
import { renderSvg } from '../../report/charts.js';
import { utcTimeX } from '../../report/time-axis.js';

export interface WeeklyReportFlags {
  days: number;
  ledgers: string;
  runs: string;
  out?: string;
  now?: string;
  gapSeconds: number;
}

export async function weeklyReportCommand(f: WeeklyReportFlags): Promise<void> {
  if (!(f.days > 0 && f.days <= 366)) throw new UserError(`--days: expected a number of days in (0, 366], got ${f.days}`);
  if (!(f.gapSeconds > 0)) throw new UserError(`--gap-seconds: expected a number of seconds > 0, got ${f.gapSeconds}`);
  let nowMs = Date.now();
  if (f.now !== undefined) {
    nowMs = Date.parse(f.now);
    if (!Number.isFinite(nowMs)) throw new UserError(`--now: expected an ISO-8601 time, got '${f.now}'`);
  }
  if (f.out !== undefined) {
    // Under the output rules, refused in one line before any ledger is read.
    assertSafeOutput(f.out, '--out');
    if (existsSync(f.out) && !statSync(f.out).isDirectory()) throw new UserError(`--out: '${f.out}' is a file, not a folder; choose a new folder`);
    for (const p of [join(f.out, 'weekly-report.json'), join(f.out, 'weekly-report.html')]) if (existsSync(p)) throw new UserError(`--out: ${p} exists; a report is never replaced`);
  }
  // The default folder is created now, exclusively: two reports of the same time get one each (the second <stamp>_2).
  const reserved = f.out === undefined ? mkdirNewStamped(join('artifacts', 'weekly', `weekly_${utcStamp(new Date(nowMs))}`)) : undefined;
  try {
    await reportInto(f, reserved?.path ?? f.out!, nowMs);
  } catch (e) {
    if (reserved !== undefined) removeCreatedDirs(reserved.created);
    throw e;
  }
}

async function reportInto(f: WeeklyReportFlags, out: string, nowMs: number): Promise<void> {
  const sinceUs = (nowMs - f.days * 86_400_000) * 1000;
  const jsonPath = join(out, 'weekly-report.json');
  const htmlPath = join(out, 'weekly-report.html');
  const ledgers = findLedgers(f.ledgers).map((p) => ledgerWeek(p, sinceUs, f.gapSeconds * 1e6));
  const runs = ledgers.flatMap((l) => l.runs);
  // Live against replay: each run with a recording of its market replayed by parity, its page beside the report.
  const parityPages: { run: string; page: string; html: string }[] = [];
  for (const r of runs) {
    const { agreement, report } = await fillAgreement(r.ledger, r.run_id);
    r.fill_agreement = agreement;
    if (report !== undefined && agreement.status === 'measured') {
      const name = `parity_${r.run_id.replace(/[^A-Za-z0-9_.-]/g, '_')}.html`;
      agreement.page = name;
      parityPages.push({ run: r.run_id, page: name, html: await renderParityReport(report) });
    }
  }
  const folders = runFoldersSince(f.runs, sinceUs);
  const problems: string[] = [];
  for (const l of ledgers) for (const p of l.invariant_problems) problems.push(`${l.path}: ${p}`);
  if (runs.length + folders.length === 0) problems.push(`nothing to report: no paper or live run in ${f.ledgers} and no run folder in ${f.runs} since ${isoOf(sinceUs)}`);
  const sum = (xs: (number | null)[]): number => Math.round(xs.reduce<number>((s, x) => s + (x ?? 0), 0) * 1e4) / 1e4;
  const totals = {
    paper_live_runs: runs.length,
    pnl: sum(runs.map((r) => r.pnl)),
    fills: sum(runs.map((r) => r.fills)),
    fees: sum(runs.map((r) => r.fees)),
    hours: sum(runs.map((r) => r.hours)),
    reconnects: sum(runs.map((r) => r.reconnects)),
    halts: sum(runs.map((r) => r.halts)),
    backtest_runs: folders.length,
  };
  const ok = problems.length === 0;
  const doc = { check: 'weekly-report', ok, from: isoOf(sinceUs), to: isoOf(nowMs * 1000), days: f.days, totals, runs, ledgers: ledgers.map((l) => ({ path: l.path, runs: l.runs.length, invariant_problems: l.invariant_problems })), run_folders: folders, problems };
  writeFileAtomic(jsonPath, JSON.stringify(doc, null, 2) + '\n');
  const verdict = ok ? '<p class="verdict go">every ledger sound</p>' : `<p class="verdict nogo">${esc(problems.join('; '))}</p>`;
  const sections = [
    { title: 'Totals', html: table(Object.keys(totals), [Object.values(totals)]) },
    {
      title: 'Paper and live runs (ledgers)',
      html: runs.length
        ? table(
            ['run', 'mode', 'symbol', 'status', 'started', 'hours', 'PnL', 'fills', 'fees', 'uptime %', 'halted %', 'reconnects', 'halts', 'fill agreement'],
            runs.map((r) => [r.run_id, r.mode, r.symbol, r.status, r.started_at, r.hours, r.pnl, r.fills, r.fees, r.uptime_pct, r.halted_pct, r.reconnects, r.halts, agreementText(r.fill_agreement)]),
          )
        : '<p>none in the period</p>',
    },
    {
      title: 'Live vs replay agreement (parity), session by session',
      html: runs.length ? await parityOverTime(runs) : '<p>none in the period</p>',
    },
    {
      title: 'Risk events by kind',
      html: runs.length ? table(['run', 'events'], runs.map((r) => [r.run_id, Object.entries(r.risk_events).map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'])) : '<p>none</p>',
    },
    { title: 'Backtest run folders', html: folders.length ? table(['folder', 'modified', 'PnL', 'fills', 'final state'], folders.map((r) => [r.path, r.modified, r.total_pnl, r.fills, r.final_state])) : '<p>none in the period</p>' },
    { title: 'Ledger invariants', html: table(['ledger', 'runs in period', 'problems'], ledgers.map((l) => [l.path, l.runs.length, l.invariant_problems.join('; ') || 'none'])) },
  ];
  for (const p of parityPages) writeFileAtomic(join(out, p.page), p.html);
  writeFileAtomic(htmlPath, page(`Weekly report ${isoOf(sinceUs).slice(0, 10)} → ${isoOf(nowMs * 1000).slice(0, 10)}`, verdict, sections));
  for (const p of problems) process.stderr.write(`weekly-report: ${p}\n`);
  process.stdout.write(JSON.stringify({ check: 'weekly-report', ok, from: doc.from, to: doc.to, totals, problems: problems.length, json: jsonPath, html: htmlPath }) + '\n');
  if (!ok) process.exitCode = 1;
}

/** The table's cell: the share of fills matched (order-level, then strategy-level) and the PnL gap, or n/a. */
function agreementText(a: FillAgreement): string {
  return a.status === 'n/a' ? 'n/a' : `${pct(a.order_level_fill_ratio)} / ${pct(a.fill_ratio)} of fills, gap ${signed(a.order_level_pnl_gap, 4)} / ${signed(a.pnl_gap, 4)}`;
}

type WeekRun = { run_id: string; mode: string; started_at: string; fill_agreement: FillAgreement };

/**
 * Parity of each session in the period, by start time: a chart of the share of live fills each replay
 * reproduced (order-level: the simulator on the session's own orders; strategy-level: the strategy
 * replayed), so a simulator drifting away from the venue shows as a falling line, and the table beside it.
 */
async function parityOverTime(runs: readonly WeekRun[]): Promise<string> {
  const sorted = [...runs].sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
  const points = sorted.flatMap((r) => {
    const a = r.fill_agreement;
    if (a.status !== 'measured') return [];
    const t = Date.parse(r.started_at);
    return [
      { t, run: r.run_id, level: 'order-level (the simulator)', v: a.order_level_fill_ratio, gap: a.order_level_pnl_gap_share },
      { t, run: r.run_id, level: 'strategy-level (the strategy replayed)', v: a.fill_ratio, gap: a.pnl_gap_share },
    ];
  });
  let chart = '';
  if (points.length > 0) {
    const [from, to] = [points[0]!.t, points[points.length - 1]!.t];
    chart = await renderSvg({
      title: 'Share of live fills each replay reproduced, per session',
      width: 760,
      height: 200,
      data: { values: points },
      mark: { type: 'line', point: { filled: true, size: 50 } },
      encoding: {
        x: utcTimeX(from, to, { title: 'session start (UTC)' }),
        y: { field: 'v', type: 'quantitative', title: 'fills matched / live fills', scale: { domain: [0, 1] }, axis: { format: '%' } },
        color: { field: 'level', type: 'nominal', title: null, scale: { domain: ['order-level (the simulator)', 'strategy-level (the strategy replayed)'], range: ['#2ca02c', '#1f77b4'] }, legend: { orient: 'bottom', labelLimit: 400 } },
      },
    });
  }
  const rows = sorted
    .map((r) => {
      const a = r.fill_agreement;
      const head = `<td>${esc(r.started_at.slice(0, 16).replace('T', ' '))}</td><td>${esc(r.run_id)} (${esc(r.mode)})</td>`;
      if (a.status === 'n/a') return `<tr>${head}<td colspan="4" style="text-align:left">n/a: ${esc(a.reason)}</td></tr>`;
      const gap = (g: number, share: number | null): string => `${signed(g, 4)}${share === null ? '' : ` (${pct(share)})`}`;
      return `<tr>${head}<td data-figure="order-level">${a.order_level_fills_matched} of ${a.fills_live} (${esc(pct(a.order_level_fill_ratio))}), gap ${esc(gap(a.order_level_pnl_gap, a.order_level_pnl_gap_share))}</td><td>${a.fills_matched} of ${a.fills_live} (${esc(pct(a.fill_ratio))}), gap ${esc(gap(a.pnl_gap, a.pnl_gap_share))}</td><td>${esc(`${signed(a.pnl_live, 4)}`)}</td><td>${a.page ? `<a href="${esc(a.page)}">${esc(a.page)}</a>` : ''}</td></tr>`;
    })
    .join('');
  return `${chart}<p class="note">Order-level: the session's own orders replayed as sent on its simulator (the simulator alone); strategy-level: its strategy replayed on the recorded market, deciding for itself (it parts from the session at the first fill that differs). Each parity page says what it compared.</p>
<table><thead><tr><th>started (UTC)</th><th>run</th><th>order-level: fills matched, PnL gap</th><th>strategy-level: fills matched, PnL gap</th><th>session PnL</th><th>page</th></tr></thead><tbody>${rows}</tbody></table>`;
}
