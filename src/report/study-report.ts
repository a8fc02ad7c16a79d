// The market study as a self-contained HTML page: key figures, short-horizon memory and the intraday or flow profile.
import type { BarStudy, EventStudy, VarianceRatio } from '../research/study.js';
import { barChart, renderSvg } from './charts.js';
import { esc, page, table, type Section } from './html.js';

const pad = (n: number): string => String(n).padStart(2, '0');

function memoryCharts(ac: Array<{ lag: number; value: number }>, vr: VarianceRatio[], unit: string): Promise<string[]> {
  return Promise.all([
    renderSvg(barChart(`Autocorrelation of returns by lag (${unit})`, ac.map((a) => ({ label: `lag ${pad(a.lag)}`, v: a.value })), 'autocorrelation', true)),
    renderSvg(
      barChart(
        `Variance ratio − 1 by horizon (${unit}): below 0 mean reversion, above 0 trend`,
        vr.map((v) => ({ label: `${String(v.bars).padStart(3, '0')} (robust z ${v.z_robust.toFixed(1)})`, v: v.value - 1 })),
        'VR − 1',
        true,
      ),
    ),
  ]);
}

export async function renderStudyReport(study: BarStudy | EventStudy, sourceLine: string): Promise<string> {
  const sections: Section[] = [];
  let summary: string;
  if (study.kind === 'bars') {
    const r = study.returns;
    summary = table(
      ['figure', 'value'],
      [
        ['bars', study.bars],
        ['bar seconds', study.bar_seconds],
        ['span', `${study.start} → ${study.end}`],
        ['missing bars', study.missing_bars],
        ['annualised vol %', r.annualised_vol_pct],
        ['σ, price per √s (last close)', r.sigma_per_sqrt_second],
        ['skewness', r.skewness],
        ['kurtosis (3 = normal)', r.kurtosis],
        ['share of moves beyond 4 sd', r.beyond_4sd_share],
        ['mean high–low range, bps', study.range.mean_high_low_bps],
        ['Corwin–Schultz spread, bps (median)', study.range.corwin_schultz_spread_bps.median],
        ['mean excursion beyond previous close, bps', study.intensity.mean_excursion_bps],
      ],
    );
    const [ac, vr] = await memoryCharts(r.autocorrelation, r.variance_ratio, 'bars');
    const hourly = await renderSvg(barChart('Mean |return| by UTC hour, bps', study.hourly.map((h) => ({ label: pad(h.hour_utc), v: h.mean_abs_return_bps })), 'bps', true));
    sections.push({ title: 'Short-horizon memory', html: ac! + vr! }, { title: 'Hour of day', html: hourly });
  } else {
    const q = (x: { p10: number; p50: number; p90: number; p99: number }): string => `${x.p10} / ${x.p50} / ${x.p90} / ${x.p99}`;
    summary = table(
      ['figure', 'value'],
      [
        ['rows', study.rows],
        ['span', `${study.start} → ${study.end} (${study.span_seconds.toFixed(1)} s)`],
        ['seconds with a consistent book', study.book_samples],
        ['annualised vol % (1 s mid returns)', study.returns_1s.annualised_vol_pct],
        ['spread, ticks: mean / max', `${study.spread_ticks.mean.toFixed(3)} / ${study.spread_ticks.max}`],
        ['share of seconds at one tick', study.spread_ticks.at_one_tick_share],
        ['touch quantity bid, p10 / p50 / p90 / p99', q(study.touch_qty.bid)],
        ['touch quantity ask, p10 / p50 / p90 / p99', q(study.touch_qty.ask)],
        ['trades per second', study.trades.per_second],
        ['buy share', study.trades.buy_share],
        ['trade size p10 / p50 / p90 / p99', q(study.trades.size)],
        ['λ(δ): k per price unit, A per second', `${study.intensity.k_per_price_unit.toPrecision(4)}, ${study.intensity.A_per_second.toPrecision(4)}`],
        ['trades beyond their mean distance (exponential: 0.368)', study.intensity.beyond_mean_share],
      ],
    );
    const [ac, vr] = await memoryCharts(study.returns_1s.autocorrelation, study.returns_1s.variance_ratio, 'seconds');
    const flow = await renderSvg(barChart('Autocorrelation of signed trade flow per second', study.trades.flow_autocorrelation.map((a) => ({ label: `lag ${pad(a.lag)}`, v: a.value })), 'autocorrelation', true));
    const power = table(
      ['feature (at a second boundary)', 'samples', 'correlation with the next 1 s mid change', 't', 'p-value'],
      study.order_flow.map((p) => [p.feature, p.samples, p.correlation.toFixed(4), p.t_stat.toFixed(2), p.p_value.toPrecision(3)]),
    );
    sections.push({ title: 'Short-horizon memory of the mid', html: ac! + vr! }, { title: 'Order flow', html: flow + power });
  }
  return page('Market study', `<p>${esc(sourceLine)}</p>${summary}`, sections);
}
