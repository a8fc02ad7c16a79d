// Strategy modules: each way a module can be bad is one line naming it; a module's answers are checked and put on the grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/index.js';
import { makeInstrument } from '../market/index.js';
import { PluginStrategy, StrategyFault, resolveParams } from './plugin-strategy.js';
import { loadStrategyModule } from './plugin-loader.js';
import { emptyTarget, emptyView } from './strategy.js';

const dir = mkdtempSync(join(tmpdir(), 'mm-plugin-'));
const write = (name: string, code: string): string => {
  const p = join(dir, name);
  writeFileSync(p, code);
  return p;
};
const SDK = 'import { defineStrategy } from "marketmakerl/sdk";\n';
const inst = makeInstrument('BTC/USDT', 0.01, 0.001);
const ctx = { params: {}, symbol: 'BTC/USDT', tickSize: 0.01, lotSize: 0.001, orderQty: 0.01, maxInventoryQty: 0.1, minSpreadTicks: 1, quoting: { gamma: 0.1, k: 1, A: 1, calibrate: true, horizonSeconds: 60 } };

async function refused(name: string, code: string, pattern: RegExp, build = false): Promise<void> {
  const p = write(name, code);
  await assert.rejects(
    (async () => {
      const l = await loadStrategyModule(p, '--strategy');
      if (build) new PluginStrategy(l.definition, ctx, inst, `--strategy ${p}`, 100);
    })(),
    (e: unknown) => {
      assert.ok(e instanceof UserError, `${name}: ${String(e)}`);
      assert.equal(e.exitCode, 2);
      assert.ok(!e.message.includes('\n'), `${name}: one line`);
      assert.ok(e.message.startsWith(`--strategy ${p}: `), `${name}: names the file: ${e.message}`);
      assert.match(e.message, pattern, name);
      return true;
    },
  );
}

test('a bad module is refused with one line naming the file', async () => {
  await refused('no-export.ts', 'export const x = 1;\n', /no default export/);
  await refused('throws.ts', 'throw new Error("cannot start");\n', /threw while loading: cannot start/);
  await refused('syntax.ts', 'export default { name: "x", create( {\n', /cannot compile: .*\(line 2, column 1\)/);
  await refused('no-create.ts', 'export default { name: "x" };\n', /no create\(ctx\) function/);
  await refused('no-name.ts', 'export default { create() { return { decide() {} }; } };\n', /needs a name/);
  await refused('bad-param.ts', `${SDK}export default defineStrategy({ name: "p", params: { a: { default: 5, max: 1 } }, create() { return { decide() {} }; } });\n`, /params\.a\.default: 5 is above the maximum 1/);
  await refused('bad-sweep.ts', `${SDK}export default defineStrategy({ name: "p", params: { a: { default: 1, integer: true, sweep: [1, 1.5] } }, create() { return { decide() {} }; } });\n`, /params\.a\.sweep: expected a whole number, got 1.5/);
  await refused('wrong-ext.py', 'x = 1\n', /expected a \.ts or \.js module/);
  // Built on a synthetic warm market: a throw in create or decide, or an invalid answer, is a bad module too.
  await refused('create-throws.ts', `${SDK}export default defineStrategy({ name: "c", create() { throw new Error("no ctx"); } });\n`, /create\(\) threw: no ctx/, true);
  await refused('no-decide.ts', `${SDK}export default defineStrategy({ name: "c", create() { return {}; } });\n`, /create\(\) must return an object with a decide/, true);
  await refused('crossed.ts', `${SDK}export default defineStrategy({ name: "g", create() { return { decide(v, o) { o.bidPrice = v.mid + 1; o.bidQty = 1; o.askPrice = v.mid - 1; o.askQty = 1; } }; } });\n`, /quoted bid 101 at or above ask 99/, true);
  await refused('neg-qty.ts', `${SDK}export default defineStrategy({ name: "q", create() { return { decide(v, o) { o.bidPrice = 1; o.bidQty = -1; } }; } });\n`, /bidQty to -1; expected a quantity ≥ 0/, true);
  await refused('string-price.ts', `${SDK}export default defineStrategy({ name: "q", create() { return { decide(v, o) { o.askPrice = "101"; o.askQty = 1; } }; } });\n`, /askPrice to "101"; expected a number/, true);
  await refused('inf-price.ts', `${SDK}export default defineStrategy({ name: "q", create() { return { decide(v, o) { o.askPrice = Infinity; o.askQty = 1; } }; } });\n`, /askPrice to Infinity; expected a positive price/, true);
  await refused('decide-throws.ts', `${SDK}export default defineStrategy({ name: "q", create() { return { decide() { throw new Error("nope"); } }; } });\n`, /nope \(checked on a synthetic market at 100\)/, true);
});

test('a module sees a copy of the view, its quote goes on the grid, and a throw while trading is a StrategyFault', async () => {
  const p = write(
    'ok.ts',
    `${SDK}let calls = 0;\nexport default defineStrategy({ name: "ok", params: { w: { default: 2, min: 0 } }, create(ctx) { return { decide(v, o) { calls++; (v as any).position = 1e9; if (v.mid === 13) throw new Error("thirteen"); o.bidPrice = v.mid - ctx.params.w * 0.0123; o.bidQty = 0.0157; o.askPrice = v.mid + 0.0049; o.askQty = 0.0004; o.reservation = v.mid; } }; } });\n`,
  );
  const l = await loadStrategyModule(p);
  assert.equal(l.definition.name, 'ok');
  assert.deepEqual(resolveParams(l.definition, undefined, 'quoting.params'), { w: 2 });
  assert.deepEqual(resolveParams(l.definition, { w: 3 }, 'quoting.params'), { w: 3 });
  assert.throws(() => resolveParams(l.definition, { ww: 3 }, 'quoting.params'), /quoting\.params\.ww: strategy 'ok' has no parameter 'ww'; did you mean 'w'\?/);
  const s = new PluginStrategy(l.definition, { ...ctx, params: { w: 2 } }, inst, 'ok.ts', 100);
  const view = emptyView();
  view.mid = 100;
  view.position = 0.5;
  view.warm = true;
  const out = emptyTarget();
  s.decide(view, out);
  assert.equal(view.position, 0.5, 'the core view is untouched');
  // Bid 99.9754 down to the tick, 0.0157 down to the lot; the ask's 0.0004 is less than a lot: no ask.
  assert.deepEqual([out.bidPrice, out.bidQty, out.askPrice, out.askQty, out.reservation], [99.97, 0.015, Number.NaN, 0, 100]);
  view.mid = 13;
  assert.throws(() => s.decide(view, out), (e: unknown) => e instanceof StrategyFault && /^strategy ok\.ts: thirteen$/.test(e.message));
  assert.ok(Number.isNaN(out.bidPrice) && Number.isNaN(out.askPrice), 'a failed decision leaves nothing resting');
});

test('a ladder from a module: deeper levels on the grid, switched-off levels dropped, a bid level at or above an ask level refused', async () => {
  const l = await loadStrategyModule(
    write('ladder-ok.mjs', SDK + 'export default defineStrategy({ name: "l", create() { return { decide(v, o) { o.bidPrice = v.mid - 0.011; o.bidQty = 0.0105; o.askPrice = v.mid + 0.011; o.askQty = 0.01; o.bids = [{ price: v.mid - 0.057, qty: 0.02 }, { price: NaN, qty: 1 }]; o.asks = [{ price: v.mid + 0.053, qty: 0.0209 }]; } }; } });\n'),
    '--strategy',
  );
  const s = new PluginStrategy(l.definition, ctx, inst, 'ladder-ok', 100);
  const v = emptyView();
  Object.assign(v, { mid: 100, warm: true });
  const out = emptyTarget();
  s.decide(v, out);
  assert.deepEqual(out.bids!.map((x) => [x.price, x.qty]), [[99.94, 0.02]]);
  assert.deepEqual(out.asks!.map((x) => [x.price, x.qty]), [[100.06, 0.02]]);
  assert.equal(out.bidQty, 0.01);
  await refused('ladder-cross.mjs', SDK + 'export default defineStrategy({ name: "x", create() { return { decide(v, o) { o.bidPrice = v.mid - 1; o.bidQty = 1; o.askPrice = v.mid + 1; o.askQty = 1; o.bids = [{ price: v.mid + 2, qty: 1 }]; } }; } });\n', /bid level at .* at or above an ask level/, true);
  await refused('ladder-bad.mjs', SDK + 'export default defineStrategy({ name: "y", create() { return { decide(v, o) { o.bidPrice = v.mid - 1; o.bidQty = 1; o.asks = [{ price: "high", qty: 1 }]; } }; } });\n', /asks\[0\]/, true);
});
