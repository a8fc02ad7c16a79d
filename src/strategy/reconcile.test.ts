// reconcile: the fewest commands that make what rests equal what the strategy wants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, emptyTarget, type QuoteTarget } from './index.js';
import { OpenOrders, OrderState, CommandLog } from '../orders/index.js';

function setup() {
  const open = new OpenOrders(16);
  let id = 0;
  const ids = { nextId: () => ++id };
  const log = new CommandLog();
  const target: QuoteTarget = emptyTarget();
  return { open, ids, log, target };
}
const opts = { priceTolerance: 0, qtyTolerance: 0 };

test('places both sides from nothing, then stays quiet while the target is unchanged', () => {
  const { open, ids, log, target } = setup();
  Object.assign(target, { bidPrice: 99, bidQty: 1, askPrice: 101, askQty: 1 });
  assert.equal(reconcile(0, target, open, opts, ids, log), 2);
  assert.deepEqual(log.commands.map((c) => c.type), ['place', 'place']);
  assert.equal(reconcile(1, target, open, opts, ids, log), 0, 'sticky');
  assert.equal(open.count, 2);
});

test('a moved price cancels and replaces only that side', () => {
  const { open, ids, log, target } = setup();
  Object.assign(target, { bidPrice: 99, bidQty: 1, askPrice: 101, askQty: 1 });
  reconcile(0, target, open, opts, ids, log);
  target.bidPrice = 98.5;
  assert.equal(reconcile(1, target, open, opts, ids, log), 2);
  const last = log.commands.slice(-2);
  assert.equal(last[0]!.type, 'cancel');
  assert.equal(last[0]!.clientId, 1);
  assert.equal(last[1]!.type, 'place');
  assert.equal(open.state[open.indexOf(1)], OrderState.PendingCancel);
});

test('within tolerance the resting order is kept', () => {
  const { open, ids, log, target } = setup();
  Object.assign(target, { bidPrice: 99, bidQty: 1, askPrice: 101, askQty: 1 });
  reconcile(0, target, open, { priceTolerance: 0.05, qtyTolerance: 0 }, ids, log);
  target.bidPrice = 99.04;
  assert.equal(reconcile(1, target, open, { priceTolerance: 0.05, qtyTolerance: 0 }, ids, log), 0);
});

test('a NaN side cancels what rests there; pending cancels are not canceled twice', () => {
  const { open, ids, log, target } = setup();
  Object.assign(target, { bidPrice: 99, bidQty: 1, askPrice: 101, askQty: 1 });
  reconcile(0, target, open, opts, ids, log);
  target.askPrice = Number.NaN;
  assert.equal(reconcile(1, target, open, opts, ids, log), 1);
  assert.equal(reconcile(2, target, open, opts, ids, log), 0, 'the cancel is in flight');
  assert.equal(log.commands.filter((c) => c.type === 'cancel').length, 1);
});

test('two live orders on one side collapse to one: the one on the target stays', () => {
  const { open, ids, log, target } = setup();
  open.add(50, 1, 99, 1);
  open.add(51, 1, 99, 1);
  Object.assign(target, { bidPrice: 99, bidQty: 1 });
  reconcile(0, target, open, opts, ids, log);
  assert.deepEqual(log.commands.map((c) => `${c.type} ${c.clientId}`), ['cancel 51']);
  open.add(52, 1, 98, 1);
  target.bidPrice = 97;
  reconcile(1, target, open, opts, ids, log);
  assert.deepEqual(log.commands.slice(1).map((c) => c.type), ['cancel', 'cancel', 'place'], 'none on the target: all cancelled, the target placed');
});

test('a venue that can amend gets one amend per moved side, only for acknowledged orders', () => {
  const { open, ids, target } = setup();
  const cmds: string[] = [];
  const sink = {
    place: (_t: number, id: number) => cmds.push(`place ${id}`),
    cancel: (_t: number, id: number) => cmds.push(`cancel ${id}`),
    amend: (_t: number, id: number, _s: number, price: number) => cmds.push(`amend ${id} ${price}`),
  };
  Object.assign(target, { bidPrice: 99, bidQty: 1, askPrice: 101, askQty: 1 });
  reconcile(0, target, open, opts, ids, sink);
  target.bidPrice = 98;
  reconcile(1, target, open, opts, ids, sink);
  assert.deepEqual(cmds.slice(2), ['cancel 1', 'place 3'], 'a pending-new order is replaced, not amended');
  open.setState(3, OrderState.Open);
  target.bidPrice = 97.5;
  assert.equal(reconcile(2, target, open, opts, ids, sink), 1);
  assert.deepEqual(cmds.slice(4), ['amend 3 97.5']);
  assert.equal(open.price[open.indexOf(3)], 97.5);
});
