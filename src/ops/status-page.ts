// The status page: the newest runtime run, campaign, analysis, study, paper/live sessions, parity report and weekly report of an artifacts folder, each with its headline figures and go / no-go.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isoOf } from '../core/index.js';
import { esc, page, table } from '../report/html.js';
import { findLedgers, ledgerWeek } from './weekly-report.js';

/** One card of the page: what it is, where it is, its figures and its verdict (null: information only). */
export interface StatusItem {
  section: string;
  path: string;
  modified: string;
  figures: Record<string, string | number | boolean | null>;
  go: boolean | null;
  why: string;
}

/** The comment that marks a page as ours (only such a page is ever replaced). */
export const STATUS_MARK = '<!-- marketmakerl status-page -->';

function newest(dir: string, match: (name: string) => boolean): string | undefined {
  if (!existsSync(dir)) return undefined;
  let best: { p: string; t: number } | undefined;
  for (const f of readdirSync(dir)) {
    if (!match(f)) continue;
    const p = join(dir, f);
    const s = statSync(p);
    if (!s.isFile()) continue;
    if (!best || s.mtimeMs > best.t) best = { p, t: s.mtimeMs };
  }
  return best?.p;
}

function newestIn(dir: string, sub: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  let best: { p: string; t: number } | undefined;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f, sub);
    if (!existsSync(p)) continue;
    const t = statSync(p).mtimeMs;
    if (!best || t > best.t) best = { p, t };
  }
  return best?.p;
}

/** The later-modified of two files found (either may be missing). */
function newestOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return statSync(a).mtimeMs >= statSync(b).mtimeMs ? a : b;
}

function readJson(path: string): Record<string, any> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, any>;
  } catch {
    return undefined;
  }
}

const mtime = (p: string): string => isoOf(statSync(p).mtimeMs * 1000);

/** Every section found under an artifacts folder, in a fixed order. */
export function collectStatus(artifacts: string): StatusItem[] {
  const items: StatusItem[] = [];
  const unreadable = (section: string, p: string): StatusItem => ({ section, path: p, modified: mtime(p), figures: {}, go: false, why: 'unreadable JSON' });

  const run = newest(artifacts, (f) => f.endsWith('_summary.json'));
  if (run) {
    const s = readJson(run);
    if (!s) items.push(unreadable('runtime run', run));
    else {
      const go = s.status === 'ok' && s.risk_status !== 'breach';
      items.push({
        section: 'runtime run',
        path: run,
        modified: mtime(run),
        figures: { run_id: s.run_id, mode: s.mode, status: s.status, risk: s.risk_status, pnl: Object.entries(s.pnl ?? {}).map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(2) : v}`).join(', ') },
        go,
        why: go ? 'every agent completed, no risk breach' : s.status !== 'ok' ? `${s.failures} agent(s) failed` : `risk breach: ${(s.risk_breaches ?? []).join(', ')}`,
      });
    }
  }

  // A campaign's folder (campaigns/<id>/campaign.json), or the loose campaign_<stamp>.json of earlier versions.
  const camp = newestOf(newestIn(join(artifacts, 'campaigns'), 'campaign.json'), newest(artifacts, (f) => /^campaign_[^_]*\.json$/.test(f)));
  if (camp) {
    const c = readJson(camp);
    if (!c) items.push(unreadable('campaign', camp));
    else {
      const sp = (c.spread ?? [])[0] ?? {};
      const go = Array.isArray(c.problems) && c.problems.length === 0;
      items.push({
        section: 'campaign',
        path: camp,
        modified: mtime(camp),
        figures: { seeds: (c.seeds ?? []).join(' '), repeat_agrees: c.repeat_agrees, pnl_median: sp.median ?? null, pnl_min: sp.min ?? null, pnl_max: sp.max ?? null },
        go,
        why: go ? 'the repeated seed agreed byte for byte; every run completed' : (c.problems ?? []).join('; '),
      });
    }
  }

  const ana = newest(join(artifacts, 'last_month_analysis'), (f) => f.endsWith('_analysis.json'));
  if (ana) {
    const a = readJson(ana);
    if (!a) items.push(unreadable('analysis', ana));
    else {
      const rd = a.readiness ?? {};
      const failed = (rd.by_budget?.[0]?.failed ?? []) as string[];
      const go = rd.ready_for_live_keys === true;
      items.push({ section: 'analysis', path: ana, modified: mtime(ana), figures: { ready_for_live_keys: rd.ready_for_live_keys ?? null, failed_checks: failed.join(' ') || null }, go, why: go ? 'the readiness gate passed out of sample' : `readiness gate failed: ${failed.join(', ') || 'see analysis.json'}` });
    }
  }

  const study = newest(join(artifacts, 'study'), (f) => f.endsWith('.study.json'));
  if (study) {
    const s = readJson(study);
    if (!s) items.push(unreadable('study', study));
    else items.push({ section: 'study', path: study, modified: mtime(study), figures: { kind: s.kind ?? null, annualised_vol_pct: s.returns?.annualised_vol_pct ?? null }, go: null, why: 'a profile of the market: information, no verdict' });
  }

  for (const led of findLedgers(artifacts)) {
    const w = ledgerWeek(led, 0, 10e6);
    const last = w.runs[w.runs.length - 1];
    const go = w.invariant_problems.length === 0 && (last === undefined || last.halts === 0);
    items.push({
      section: 'paper / live session',
      path: led,
      modified: mtime(led),
      figures: { run_id: last?.run_id ?? null, mode: last?.mode ?? null, status: last?.status ?? null, pnl: last?.pnl ?? null, fills: last?.fills ?? null, halts: last?.halts ?? null },
      go,
      why: w.invariant_problems.length ? `ledger unsound: ${w.invariant_problems.join('; ')}` : last && last.halts > 0 ? `the last run halted ${last.halts} time(s)` : 'ledger sound, no halt in the last run',
    });
  }

  const parity = newestIn(join(artifacts, 'parity'), 'parity.json');
  if (parity) {
    const p = readJson(parity);
    if (!p) items.push(unreadable('parity', parity));
    else {
      const html = parity.replace(/\.json$/, '.html');
      const c = p.comparison ?? {};
      const limit = p.max_pnl_gap as { exceeded?: boolean } | undefined;
      items.push({
        section: 'parity (live vs replay)',
        path: existsSync(html) ? html : parity,
        modified: mtime(parity),
        figures: {
          session: p.session?.run_id ?? null,
          // Order-level: the session's own orders replayed as sent (the simulator alone); then the strategy replayed.
          ...(p.order_level?.fills ? { order_level_fills_matched: `${p.order_level.fills.matched} of ${p.order_level.fills.live}`, order_level_pnl_gap: p.order_level.pnl_gap ?? null } : {}),
          fills_matched: c.fills ? `${c.fills.matched} of ${c.fills.live}` : null,
          fill_ratio: c.fills?.fill_ratio ?? null,
          pnl_gap: c.pnl_gap ?? null,
        },
        go: limit === undefined ? null : limit.exceeded !== true,
        why: limit === undefined ? 'how far the simulator is from the session: figures, no limit given' : limit.exceeded === true ? 'the PnL gap exceeds --max-pnl-gap' : 'the PnL gap is within --max-pnl-gap',
      });
    }
  }

  const weekly = newestIn(join(artifacts, 'weekly'), 'weekly-report.json');
  if (weekly) {
    const w = readJson(weekly);
    if (!w) items.push(unreadable('weekly report', weekly));
    else {
      const html = weekly.replace(/\.json$/, '.html');
      items.push({
        section: 'weekly report',
        path: existsSync(html) ? html : weekly,
        modified: mtime(weekly),
        figures: { from: w.from, to: w.to, runs: w.totals?.paper_live_runs ?? null, pnl: w.totals?.pnl ?? null, halts: w.totals?.halts ?? null },
        go: w.ok === true,
        why: w.ok === true ? 'every ledger sound' : (w.problems ?? []).join('; '),
      });
    }
  }
  return items;
}

/** The page: a verdict, then one row per section with a link relative to the page's folder. */
export function statusHtml(items: StatusItem[], pageDir: string, generated: string): string {
  const judged = items.filter((i) => i.go !== null);
  const go = judged.length > 0 && judged.every((i) => i.go === true);
  const verdict = `<p class="verdict ${go ? 'go' : 'nogo'}">${go ? 'GO' : 'NO-GO'}: ${judged.filter((i) => i.go).length} of ${judged.length} checks pass · generated ${esc(generated)}</p>`;
  const rows = items
    .map((i) => {
      const link = relative(pageDir, i.path).split('\\').join('/');
      const figs = Object.entries(i.figures)
        .filter(([, v]) => v !== null && v !== '')
        .map(([k, v]) => `${esc(k)}: <b>${esc(String(v))}</b>`)
        .join('<br>');
      const cls = i.go === null ? '' : i.go ? 'pass' : 'fail';
      return `<tr><td style="text-align:left">${esc(i.section)}</td><td class="${cls}">${i.go === null ? 'info' : i.go ? 'GO' : 'NO-GO'}</td><td style="text-align:left">${figs}</td><td style="text-align:left">${esc(i.why)}</td><td style="text-align:left"><a href="${esc(link)}">${esc(link)}</a><br><small>${esc(i.modified)}</small></td></tr>`;
    })
    .join('');
  const body = items.length
    ? `<table><thead><tr><th>what</th><th>verdict</th><th>headline</th><th>why</th><th>file</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p>nothing found: run the pipeline, an analysis, a paper session or the weekly report first</p>';
  return page('marketmakerl status', verdict, [{ title: 'Latest results', html: body }, { title: 'How to read it', html: table(['verdict', 'meaning'], [['GO', 'the check behind it holds'], ['NO-GO', 'it does not: the reason is beside it'], ['info', 'figures without a verdict']]) }]).replace('<!doctype html>\n', `<!doctype html>\n${STATUS_MARK}\n`);
}
