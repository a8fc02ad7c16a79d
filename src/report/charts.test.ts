// Chart helpers: thinning keeps extremes; specs render to SVG without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineChart, renderSvg, thinMinMax } from './charts.js';

test('thinMinMax keeps at most about max points, the first and last, and every bucket’s extremes', () => {
  const rows = Array.from({ length: 10_000 }, (_, i) => ({ t: i, v: Math.sin(i / 37) * (i === 4321 ? 50 : 1) }));
  const out = thinMinMax(rows, 600);
  assert.ok(out.length <= 602);
  assert.equal(out[0]!.t, 0);
  assert.equal(out[out.length - 1]!.t, 9999);
  assert.equal(Math.max(...out.map((r) => r.v)), Math.max(...rows.map((r) => r.v)));
  assert.equal(Math.min(...out.map((r) => r.v)), Math.min(...rows.map((r) => r.v)));
  assert.ok(out.every((r, i) => i === 0 || r.t > out[i - 1]!.t), 'time order kept');
});

test('a line chart renders to a standalone SVG', async () => {
  const svg = await renderSvg(lineChart('Equity', [{ t: 0, v: 1 }, { t: 60_000, v: 2 }], 'USDT'));
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /Equity/);
});

test('the build’s one-file vega bundle draws the same SVG as the packages', async (t) => {
  // `make test` builds first; a bare `node --test` from the sources may run without dist/.
  const built = new URL('../../dist/report/charts.js', import.meta.url);
  const bundle = new URL('../../dist/vendor/vega.mjs', import.meta.url);
  const { existsSync } = await import('node:fs');
  if (!existsSync(built) || !existsSync(bundle)) return t.skip('no build (run make build)');
  const fromDist = (await import(built.href)) as typeof import('./charts.js');
  const spec = lineChart('Equity', Array.from({ length: 200 }, (_, i) => ({ t: i * 60_000, v: Math.sin(i / 9) * 100 + i })), 'USDT');
  const [viaPackages, viaBundle] = await Promise.all([renderSvg(spec), fromDist.renderSvg(spec)]);
  assert.ok(viaBundle.length > 1000);
  assert.equal(viaBundle, viaPackages);
});
