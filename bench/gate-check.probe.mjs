// The risk gate's cost per command in its usual case: `gate.amend` in a loop, two resting orders (one a side),
// the rule set of every session (default limits, order notional, open orders, order rate), against a sink that
// only counts. Usage: node bench/gate-check.probe.mjs [DIR] (a checkout with dist/ built; default this one).
// Prints nanoseconds per amend, five rounds of two million; figures only.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distModule } from './ab-rounds.mjs';

const dir = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const risk = await import(distModule(dir, 'risk'));
const orders = await import(distModule(dir, 'orders'));
const strategy = await import(distModule(dir, 'strategy'));

const view = strategy.emptyView();
view.mid = 100_000;
view.position = 0.01;
const open = new orders.OpenOrders(256);
const sink = { n: 0, place() { this.n++; }, cancel() {}, amend() { this.n++; } };
const handler = { onDenied() {}, onAccepted() {}, onRejected() {}, onCanceled() {}, onFill() {} };
const limits = { maxOrderQty: 0.01, maxInventoryQty: 0.1, priceBandFraction: 0.05 };
const rules = [...risk.defaultRules, risk.maxOrderNotionalRule(1e6), risk.maxOpenOrdersRule(16, open), risk.orderRateRule(20, 1e6)];
const gate = risk.riskGate(sink, handler, view, limits, rules, undefined, open);
open.add(1, 1, 99_990, 0.001);
open.add(2, -1, 100_010, 0.001);
open.state[0] = orders.OrderState.Open;
open.state[1] = orders.OrderState.Open;
const N = 2_000_000;
for (let round = 0; round < 5; round++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    view.now += 60e6;
    const bid = (i & 1) === 0;
    gate.amend(view.now, bid ? 1 : 2, bid ? 1 : -1, 100_000 + (bid ? -1 : 1) * (1 + (i & 7)), 0.001);
  }
  console.log(`${(Number(process.hrtime.bigint() - t0) / N).toFixed(1)} ns per amend (${sink.n} approved, ${gate.denials} denied)`);
}
