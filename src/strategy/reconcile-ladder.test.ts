// reconcile with ladders: several levels per side, the fewest commands, open orders = levels afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, emptyTarget, type QuoteTarget } from './index.js';
import { OpenOrders, OrderState } from '../orders/index.js';
import { Rng } from '../core/index.js';

interface Cmd {
  type: 'place' | 'cancel' | 'amend';
  id: number;
  side?: number;
  price?: number;
  qty?: number;
}

function setup(amend: boolean) {
  const open = new OpenOrders(64);
  let id = 100;
  const ids = { nextId: () => ++id };
  const cmds: Cmd[] = [];
  const sink = {
    place: (_t: number, id: number, side: number, price: number, qty: number) => void cmds.push({ type: 'place', id, side, price, qty }),
    cancel: (_t: number, id: number) => void cmds.push({ type: 'cancel', id }),
    ...(amend ? { amend: (_t: number, id: number, side: number, price: number, qty: number) => void cmds.push({ type: 'amend', id, side, price, qty }) } : {}),
  };
  const target: QuoteTarget = emptyTarget();
  return { open, ids, cmds, sink, target };
}
const exact = { priceTolerance: 0, qtyTolerance: 0 };

function ladder(t: QuoteTarget, bids: [number, number][], asks: [number, number][]): void {
  t.bidPrice = bids[0]?.[0] ?? Number.NaN;
  t.bidQty = bids[0]?.[1] ?? 0;
  t.askPrice = asks[0]?.[0] ?? Number.NaN;
  t.askQty = asks[0]?.[1] ?? 0;
  t.bids = bids.slice(1).map(([price, qty]) => ({ price, qty }));
  t.asks = asks.slice(1).map(([price, qty]) => ({ price, qty }));
}

/** Live (not pending-cancel) orders of a side as sorted "price×qty" strings. */
function live(open: OpenOrders, side: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < open.count; i++) if (open.side[i] === side && open.state[i] !== OrderState.PendingCancel) out.push(`${open.price[i]}x${open.remaining[i]}`);
  return out.sort();
}

test('a three-level ladder is placed level by level, then sticky', () => {
  const { open, ids, cmds, sink, target } = setup(false);
  ladder(target, [[99, 1], [98, 2], [97, 3]], [[101, 1], [102, 2], [103, 3]]);
  assert.equal(reconcile(0, target, open, exact, ids, sink), 6);
  assert.deepEqual(cmds.map((c) => `${c.type} ${c.side} ${c.price}`), ['place 1 99', 'place 1 98', 'place 1 97', 'place -1 101', 'place -1 102', 'place -1 103']);
  assert.equal(reconcile(1, target, open, exact, ids, sink), 0, 'unchanged target: no command');
  assert.deepEqual(live(open, 1), ['97x3', '98x2', '99x1']);
});

test('a ladder shifted by one level costs one cancel and one place per side', () => {
  const { open, ids, cmds, sink, target } = setup(false);
  ladder(target, [[99, 1], [98, 1], [97, 1]], [[101, 1], [102, 1], [103, 1]]);
  reconcile(0, target, open, exact, ids, sink);
  cmds.length = 0;
  // The mid fell one tick: bids 98, 97, 96 (98 and 97 already rest), asks 100, 101, 102.
  ladder(target, [[98, 1], [97, 1], [96, 1]], [[100, 1], [101, 1], [102, 1]]);
  assert.equal(reconcile(1, target, open, exact, ids, sink), 4);
  assert.deepEqual(cmds.map((c) => `${c.type} ${c.price ?? ''}`.trim()), ['cancel', 'place 96', 'cancel', 'place 100']);
  assert.deepEqual(live(open, 1), ['96x1', '97x1', '98x1']);
  assert.deepEqual(live(open, -1), ['100x1', '101x1', '102x1']);
});

test('with amend, each moved level is one command; fewer levels cancel the extra orders', () => {
  const { open, ids, cmds, sink, target } = setup(true);
  ladder(target, [[99, 1], [98, 1]], []);
  reconcile(0, target, open, exact, ids, sink);
  for (let i = 0; i < open.count; i++) open.state[i] = OrderState.Open;
  cmds.length = 0;
  ladder(target, [[99, 1], [97, 1]], []);
  assert.equal(reconcile(1, target, open, exact, ids, sink), 1);
  assert.deepEqual(cmds, [{ type: 'amend', id: 102, side: 1, price: 97, qty: 1 }]);
  cmds.length = 0;
  ladder(target, [[97, 1]], []);
  target.bids = [{ price: Number.NaN, qty: 1 }]; // a level switched off is skipped
  assert.equal(reconcile(2, target, open, exact, ids, sink), 1);
  assert.deepEqual(cmds, [{ type: 'cancel', id: 101 }]);
});

test('an order within tolerance of some level is kept even if a nearer-first rule would steal its level', () => {
  // Order A at 100.00 fits levels 99.95 and 100.05; order B at 100.10 fits only 100.05. Both must stay.
  const { open, ids, cmds, sink, target } = setup(false);
  open.add(1, 1, 100.0, 1);
  open.add(2, 1, 100.1, 1);
  ladder(target, [[100.05, 1], [99.95, 1]], []);
  assert.equal(reconcile(0, target, open, { priceTolerance: 0.05, qtyTolerance: 0 }, ids, sink), 0);
  assert.equal(cmds.length, 0);
});

test('a one-level target with deeper lists present but empty behaves exactly as one level', () => {
  const a = setup(true);
  const b = setup(true);
  for (const [price, t] of [[99, 0], [98, 1], [98, 2], [97.5, 3]] as const) {
    ladder(a.target, [[price, 1]], [[price + 2, 1]]);
    a.target.bids = undefined;
    a.target.asks = undefined;
    ladder(b.target, [[price, 1]], [[price + 2, 1]]);
    assert.equal(reconcile(t, a.target, a.open, exact, a.ids, a.sink), reconcile(t, b.target, b.open, exact, b.ids, b.sink));
    for (const s of [a, b]) for (let i = 0; i < s.open.count; i++) if (s.open.state[i] === OrderState.PendingNew) s.open.state[i] = OrderState.Open;
  }
  assert.deepEqual(a.cmds, b.cmds);
});

/** Largest number of orders that can each sit on a distinct level (brute force over assignments). */
function maxMatching(orders: [number, number][], levels: [number, number][], tol: number, qtol: number): number {
  const used = new Array<boolean>(levels.length).fill(false);
  const go = (j: number): number => {
    if (j === orders.length) return 0;
    let best = go(j + 1); // order j unmatched
    for (let i = 0; i < levels.length; i++) {
      if (used[i]) continue;
      const [p, q] = orders[j]!;
      const [lp, lq] = levels[i]!;
      if (Math.abs(p - lp) <= tol + 1e-12 && Math.abs(q - lq) <= qtol * lq + 1e-12) {
        used[i] = true;
        best = Math.max(best, 1 + go(j + 1));
        used[i] = false;
      }
    }
    return best;
  };
  return go(0);
}

test('property: after the commands, live orders = target levels, with the fewest commands', () => {
  const rng = new Rng(17);
  let amendTrials = 0;
  for (let trial = 0; trial < 500; trial++) {
    const canAmend = rng.next() < 0.5;
    const { open, ids, cmds, sink, target } = setup(canAmend);
    const tol = rng.next() < 0.5 ? 0 : 0.5;
    const qtol = rng.next() < 0.5 ? 0 : 0.25;
    const opts = { priceTolerance: tol, qtyTolerance: qtol };
    const rand = (n: number, base: number, dir: number): [number, number][] =>
      Array.from({ length: n }, () => [base + dir * rng.int(6) * 0.5, 1 + rng.int(3)] as [number, number]);
    // Resting orders: mostly acknowledged, some pending new, some pending cancel (those must be left alone).
    const start: { id: number; side: 1 | -1; price: number; qty: number; state: number }[] = [];
    for (const side of [1, -1] as const) {
      for (const [price, qty] of rand(rng.int(5), side > 0 ? 99 : 101, -side)) {
        const u = rng.next();
        const state = u < 0.6 ? OrderState.Open : u < 0.85 ? OrderState.PendingNew : OrderState.PendingCancel;
        const id = start.length + 1;
        start.push({ id, side, price, qty, state });
        open.add(id, side, price, qty);
        open.state[open.count - 1] = state;
      }
    }
    const want = { 1: rand(rng.int(5), 99, -1), [-1]: rand(rng.int(5), 101, 1) } as Record<number, [number, number][]>;
    ladder(target, want[1]!, want[-1]!);
    const n = reconcile(0, target, open, opts, ids, sink);
    assert.equal(n, cmds.length, 'the return value counts the commands');
    for (const c of cmds) {
      const s0 = start.find((o) => o.id === c.id);
      if (c.type !== 'place') assert.notEqual(s0?.state, OrderState.PendingCancel, `trial ${trial}: a command for an order whose cancel is in flight`);
      if (c.type === 'amend') assert.equal(s0?.state, OrderState.Open, `trial ${trial}: only acknowledged orders are amended`);
    }
    for (const side of [1, -1] as const) {
      const levels = want[side]!;
      const after: [number, number][] = [];
      for (let i = 0; i < open.count; i++) if (open.side[i] === side && open.state[i] !== OrderState.PendingCancel) after.push([open.price[i]!, open.remaining[i]!]);
      assert.equal(after.length, levels.length, `trial ${trial} side ${side}: ${after.length} live orders for ${levels.length} levels`);
      assert.equal(maxMatching(after, levels, tol, qtol), levels.length, `trial ${trial} side ${side}: live orders do not sit on the levels`);
      const before = start.filter((o) => o.side === side && o.state !== OrderState.PendingCancel);
      const O = before.length;
      const L = levels.length;
      const K = maxMatching(before.map((o) => [o.price, o.qty] as [number, number]), levels, tol, qtol);
      const sideCmds = cmds.filter((c) => (c.type === 'cancel' ? start.find((o) => o.id === c.id)!.side === side : c.side === side)).length;
      if (!canAmend) assert.equal(sideCmds, O - K + (L - K), `trial ${trial} side ${side}: (O−K)+(L−K) commands without amend`);
      else if (before.every((o) => o.state === OrderState.Open)) {
        amendTrials++;
        assert.equal(sideCmds, Math.max(O - K, L - K), `trial ${trial} side ${side}: max(O−K, L−K) commands with amend ${JSON.stringify({ before, levels, cmds, tol, qtol })}`);
      } else {
        assert.ok(sideCmds >= Math.max(O - K, L - K) && sideCmds <= O - K + (L - K), `trial ${trial} side ${side}: ${sideCmds} commands`);
      }
    }
  }
  assert.ok(amendTrials > 50, 'the amend case was exercised');
});
