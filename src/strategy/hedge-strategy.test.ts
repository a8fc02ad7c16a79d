// HedgeStrategy's reading of the quoted market's requests: at the same decision time in replays, once per request live.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SPOT } from '../market/index.js';
import { HedgeStrategy } from './hedge-strategy.js';
import { emptyTarget, emptyView, type QuoteTarget, type TakeOrder } from './strategy.js';

/** The take of a decision (read afresh: assertions narrow the field). */
const takeOf = (out: QuoteTarget): TakeOrder | undefined => out.take;

function setup(requestOnce: boolean) {
  const h = new HedgeStrategy({ mode: 'taker', band: 0.002, ratio: 1, slippageTicks: 0, quoted: { spec: SPOT, tickSize: 0.01, lotSize: 0.00001 }, hedge: { spec: { kind: 'linear_perp', contractSize: 1 }, tickSize: 0.1, lotSize: 0.001 } });
  h.requestOnce = requestOnce;
  const qv = emptyView();
  const qt = emptyTarget();
  qv.mid = 60_000;
  h.source = { view: qv, target: qt };
  const hv = emptyView();
  hv.mid = 60_010;
  hv.bestBid = 60_010;
  hv.bestAsk = 60_010.1;
  return { h, qv, qt, hv };
}

test('a quoted request is acted on at the same decision time only (replays), and once at the next decision live', () => {
  for (const once of [false, true]) {
    const { h, qv, qt, hv } = setup(once);
    qv.now = 1_000;
    qt.hedge = { qty: -0.003 };
    const out = emptyTarget();
    // The hedge decides later than the quoted decision that wrote the request.
    hv.now = 1_050;
    h.decide(hv, out);
    assert.equal(takeOf(out)?.qty, once ? 0.003 : undefined, `requestOnce ${once}: first decision`);
    if (once) assert.deepEqual([takeOf(out)!.side, takeOf(out)!.price], [-1, 60_010]);
    // The same request still stands at the next decision: never acted on twice.
    hv.now = 1_100;
    h.decide(hv, out);
    assert.equal(takeOf(out), undefined, `requestOnce ${once}: second decision`);
    // A new quoted decision with a request: acted on (live) once more.
    qv.now = 1_200;
    hv.now = 1_200;
    h.decide(hv, out);
    assert.equal(takeOf(out)?.qty, 0.003, `requestOnce ${once}: a request of the same time`);
    hv.now = 1_250;
    h.decide(hv, out);
    assert.equal(takeOf(out), undefined);
  }
});

test('without a request, the band rule: beyond the band it trades back to −ratio × the quoted inventory, rounded to its lot', () => {
  const { h, qv, hv } = setup(true);
  const out = emptyTarget();
  qv.position = 0.002;
  hv.now = 10;
  h.decide(hv, out);
  assert.equal(takeOf(out), undefined, 'at the band: nothing');
  qv.position = 0.0071;
  h.decide(hv, out);
  assert.deepEqual([takeOf(out)?.side, takeOf(out)?.qty], [-1, 0.007]);
  hv.position = -0.006;
  h.decide(hv, out);
  assert.equal(takeOf(out), undefined, 'back inside the band');
});
