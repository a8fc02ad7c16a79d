// The market study as a self-contained HTML page: key figures, the intensity fit, short-horizon memory with its significance band, the intraday or flow profile.
import type { AutocorrelationAt, BarStudy, EventStudy, IntensityPoint, VarianceRatio } from '../research/study.js';
import { barChart, renderSvg, type VlSpec } from './charts.js';
import { fixed } from './format.js';
import { esc, page, table, type Section } from './html.js';

const pad = (n: number): string => String(n).padStart(2, '0');

/** Autocorrelation by lag as bars, with the ±1.96/√n band inside which a value is not told apart from zero. */
export function autocorrelationChart(title: string, ac: readonly AutocorrelationAt[], band: number, unit: string): VlSpec {
  const rows = ac.map((a) => ({ lag: `${a.lag} ${unit}`, v: a.value, order: a.lag, outside: Math.abs(a.value) > band ? 'outside the band' : 'inside the band' }));
  const x = { field: 'lag', type: 'ordinal', title: 'lag', sort: { field: 'order' }, axis: { labelAngle: 0 } };
  return {
    title: { text: title, subtitle: `grey band: ±1.96/√n = ±${fixed(band, 4)}, where zero autocorrelation falls 95% of the time` },
    width: 560,
    height: 180,
    layer: [
      { data: { values: [{ lo: -band, hi: band }] }, mark: { type: 'rect', color: '#cbd5e0', opacity: 0.6 }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
      {
        data: { values: rows },
        mark: { type: 'bar', width: { band: 0.5 } },
        encoding: {
          x,
          y: { field: 'v', type: 'quantitative', title: 'autocorrelation' },
          color: { field: 'outside', type: 'nominal', title: null, scale: { domain: ['inside the band', 'outside the band'], range: ['#718096', '#d62728'] }, legend: { orient: 'bottom' } },
        },
      },
      { data: { values: [{ y: 0 }] }, mark: { type: 'rule', color: '#333' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    ],
  };
}

/** λ(δ) measured (points) against the fitted A·e^{−kδ} (line), rates on a log scale: a straight line is an exponential. */
export function intensityChart(title: string, fit: readonly IntensityPoint[], deltaTitle: string): VlSpec {
  const rows = fit.flatMap((p) => [
    ...(p.measured_per_second > 0 ? [{ delta: p.delta, rate: p.measured_per_second, series: 'measured' }] : []),
    ...(p.fitted_per_second > 0 ? [{ delta: p.delta, rate: p.fitted_per_second, series: 'fit A·e^(−kδ)' }] : []),
  ]);
  const x = { field: 'delta', type: 'quantitative', title: deltaTitle };
  const y = { field: 'rate', type: 'quantitative', title: 'rate per second (log scale)', scale: { type: 'log' } };
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: ['measured', 'fit A·e^(−kδ)'], range: ['#d62728', '#1f77b4'] }, legend: { orient: 'bottom' } };
  return {
    title,
    width: 560,
    height: 220,
    data: { values: rows },
    layer: [
      { transform: [{ filter: "datum.series !== 'measured'" }], mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color } },
      { transform: [{ filter: "datum.series === 'measured'" }], mark: { type: 'point', filled: true, size: 36 }, encoding: { x, y, color } },
    ],
  };
}

/** VR(q) − 1 per horizon, labelled with the horizon and its heteroskedasticity-robust z (|z| > 1.96: significant at 5%). */
function varianceChart(vr: VarianceRatio[], unit: string): VlSpec {
  const rows = vr.map((v) => ({ label: `${v.bars} ${unit}, z ${fixed(v.z_robust, 1)}`, order: v.bars, v: v.value - 1, significant: Math.abs(v.z_robust) > 1.96 ? '|z| > 1.96' : '|z| ≤ 1.96' }));
  return {
    title: { text: `Variance ratio − 1 by horizon: below 0 mean reversion, above 0 trend`, subtitle: 'z: Lo–MacKinlay heteroskedasticity-robust statistic; red bars are significant at 5%' },
    width: 560,
    height: 170,
    data: { values: rows },
    mark: { type: 'bar', width: { band: 0.5 } },
    encoding: {
      x: { field: 'label', type: 'ordinal', title: 'horizon', sort: { field: 'order' }, axis: { labelAngle: 0 } },
      y: { field: 'v', type: 'quantitative', title: 'VR − 1' },
      color: { field: 'significant', type: 'nominal', title: null, scale: { domain: ['|z| ≤ 1.96', '|z| > 1.96'], range: ['#718096', '#d62728'] }, legend: { orient: 'bottom' } },
    },
  };
}

/** An ISO span as "2024-08-08 23:54:15 → 2024-08-09 00:05:05 UTC". */
const utcSpan = (a: string, b: string): string => `${a.replace('T', ' ').replace(/(\.\d+)?Z$/, '')} → ${b.replace('T', ' ').replace(/(\.\d+)?Z$/, '')} UTC`;

export async function renderStudyReport(study: BarStudy | EventStudy, sourceLine: string): Promise<string> {
  const sections: Section[] = [];
  let summary: string;
  if (study.kind === 'bars') {
    const r = study.returns;
    const it = study.intensity;
    summary = table(
      ['figure', 'value'],
      [
        ['bars', study.bars],
        ['bar seconds', study.bar_seconds],
        ['span', utcSpan(study.start, study.end)],
        ['missing bars', study.missing_bars],
        ['annualised vol %', r.annualised_vol_pct],
        ['σ, price per √s (last close)', r.sigma_per_sqrt_second],
        ['skewness', r.skewness],
        ['kurtosis (3 = normal)', r.kurtosis],
        ['share of moves beyond 4 sd', r.beyond_4sd_share],
        ['mean high–low range, bps', study.range.mean_high_low_bps],
        ['Corwin–Schultz spread, bps (median)', study.range.corwin_schultz_spread_bps.median],
        ['λ(δ): k per price unit, A per second', `${it.k_per_price_unit.toPrecision(4)}, ${it.A_per_second.toPrecision(4)}`],
        ['mean excursion beyond previous close, bps', it.mean_excursion_bps],
      ],
    );
    const [fit, ac, vr, hourly] = await Promise.all([
      renderSvg(intensityChart(`Fill intensity λ(δ): excursions beyond the previous close over the last ${it.window_bars} bars, against the fit`, it.fit, 'δ, price units from the previous close')),
      renderSvg(autocorrelationChart('Autocorrelation of bar returns by lag', r.autocorrelation, r.autocorrelation_band_95, 'bars')),
      renderSvg(varianceChart(r.variance_ratio, 'bars')),
      renderSvg(barChart('Mean |return| by UTC hour (24 h), bps', study.hourly.map((h) => ({ label: pad(h.hour_utc), v: h.mean_abs_return_bps })), 'bps', true)),
    ]);
    sections.push({ title: 'Fill intensity', html: fit }, { title: 'Short-horizon memory', html: ac + vr }, { title: 'Hour of day', html: hourly });
  } else {
    const q = (x: { p10: number; p50: number; p90: number; p99: number }): string => `${x.p10} / ${x.p50} / ${x.p90} / ${x.p99}`;
    summary = table(
      ['figure', 'value'],
      [
        ['rows', study.rows],
        ['span', `${utcSpan(study.start, study.end)} (${study.span_seconds.toFixed(1)} s)`],
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
    const r = study.returns_1s;
    const [fit, ac, vr, flow] = await Promise.all([
      renderSvg(intensityChart('Fill intensity λ(δ): trades reaching δ from the mid, per second per side, against the fit', study.intensity.fit, 'δ, price units from the mid')),
      renderSvg(autocorrelationChart('Autocorrelation of 1 s mid returns by lag', r.autocorrelation, r.autocorrelation_band_95, 's')),
      renderSvg(varianceChart(r.variance_ratio, 's')),
      renderSvg(autocorrelationChart('Autocorrelation of signed trade flow per second', study.trades.flow_autocorrelation, study.trades.flow_autocorrelation_band_95, 's')),
    ]);
    const power = table(
      ['feature (at a second boundary)', 'samples', 'correlation with the next 1 s mid change', 't', 'p-value'],
      study.order_flow.map((p) => [p.feature, p.samples, p.correlation.toFixed(4), p.t_stat.toFixed(2), p.p_value.toPrecision(3)]),
    );
    sections.push({ title: 'Fill intensity', html: fit }, { title: 'Short-horizon memory of the mid', html: ac + vr }, { title: 'Order flow', html: flow + power });
  }
  return page('Market study', `<p>${esc(sourceLine)}</p>${summary}`, sections);
}
