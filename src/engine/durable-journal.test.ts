// The durable journal: a failed write is held in order and retried; an order that cannot be journaled is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Ledger, checkLedgerInvariants } from '../ledger/index.js';
import { DurableJournal, JournalUnavailable } from './durable-journal.js';

const pos = (position: number, cash: number) => ({ position, cash, avgCost: 100, realizedPnl: 0, fees: 0 });

test('a fill written while the ledger is locked by another process is held, then written in order once it frees', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mm-dj-')), 'ledger.sqlite');
  const ledger = new Ledger(path, { busyTimeoutMs: 10 });
  ledger.startRun({ runId: 'r1', mode: 'live', exchange: 'x', symbol: 'BTC/USDT', config: {}, initialCash: 1000 }, new Date());
  const changes: string[] = [];
  const j = new DurableJournal(ledger, { onChange: (failing, reason) => changes.push(`${failing ? 'failing' : 'writable'}: ${reason}`) });
  j.placed(1, 1, 1, 100, 1);
  j.placed(2, 2, -1, 101, 1);

  // Another connection takes the write lock (what a second writer or a stuck sqlite3 shell does).
  const other = new Database(path);
  other.exec('BEGIN EXCLUSIVE');
  const live = pos(1, 899.9);
  j.fill(3, 1, 1, 100, 1, 0.1, 'maker', live);
  live.position = 999; // the portfolio moves on; the held fill keeps the state it was given
  j.orderEvent(4, 2, 'cancel-requested');
  assert.equal(j.pending, 2, 'both writes are held');
  assert.ok(j.failingSince !== undefined);
  assert.match(changes[0]!, /^failing: database is locked/);
  assert.throws(() => j.placed(5, 3, 1, 99, 1), JournalUnavailable, 'a new order is refused while the ledger is unwritable');
  assert.equal(j.flush(), false);

  other.exec('COMMIT');
  other.close();
  assert.equal(j.flush(), true);
  assert.equal(j.pending, 0);
  assert.deepEqual(changes.map((c) => c.split(':')[0]), ['failing', 'writable']);
  const fills = ledger.db.prepare('SELECT client_id, qty FROM fills').all();
  assert.deepEqual(fills, [{ client_id: 1, qty: 1 }]);
  assert.equal(ledger.db.prepare<[], { position: number }>('SELECT position FROM positions').get()?.position, 1);
  assert.equal(ledger.db.prepare<[], { status: string }>('SELECT status FROM orders WHERE client_id = 2').get()?.status, 'pending-cancel');
  assert.equal(ledger.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM orders WHERE client_id = 3').get()?.n, 0, 'the refused order was never recorded');
  assert.deepEqual(checkLedgerInvariants(ledger.db), []);
  ledger.close();
});

test('writes keep their order behind a held one, and a held write that keeps failing blocks nothing else from being held', () => {
  const calls: string[] = [];
  let broken = true;
  const inner = {
    placed: () => calls.push('placed'),
    orderEvent: (_ts: number, id: number) => {
      if (broken) throw new Error('disk I/O error');
      calls.push(`event ${id}`);
    },
    fill: (_ts: number, id: number) => {
      if (broken) throw new Error('disk I/O error');
      calls.push(`fill ${id}`);
    },
    quote: () => calls.push('quote'),
    risk: () => calls.push('risk'),
    riskMarks: () => calls.push('marks'),
    note: (_ts: number, kind: string) => {
      if (broken) throw new Error('disk I/O error');
      calls.push(`note ${kind}`);
    },
  };
  const j = new DurableJournal(inner);
  j.orderEvent(1, 7, 'accepted');
  j.fill(2, 7, 1, 100, 1, 0, 'maker', pos(1, 0));
  j.quote({ ts: 3, mid: 1, bid: 1, ask: 1, position: 1, equity: 1, tradingState: 'halted' });
  j.note(4, 'x', 'y');
  assert.deepEqual(calls, [], 'nothing written, the quote row dropped while failing');
  assert.equal(j.pending, 3);
  broken = false;
  assert.equal(j.flush(), true);
  assert.deepEqual(calls, ['event 7', 'fill 7', 'note x']);
});
