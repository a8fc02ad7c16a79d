// Client order ids: deterministic per namespace and client id, within Binance's limits, parsed back only for our namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientOrderIds } from './client-order-id.js';

test('the same namespace and client id always give the same exchange id, within 36 characters of [.A-Z:/a-z0-9_-]', () => {
  const a = new ClientOrderIds('live_20261124T090000Z_1234');
  const b = new ClientOrderIds('live_20261124T090000Z_1234');
  for (const id of [1, 42, 999_999_999_999_999]) {
    assert.equal(a.of(id), b.of(id));
    assert.ok(a.of(id).length <= 36);
    assert.match(a.of(id), /^[.A-Z:/a-z0-9_-]{1,36}$/);
    assert.equal(a.parse(a.of(id)), id);
  }
});

test('another namespace, a foreign id or a malformed one parse to undefined', () => {
  const a = new ClientOrderIds('ledger-a');
  const b = new ClientOrderIds('ledger-b');
  assert.notEqual(a.prefix, b.prefix);
  assert.equal(a.parse(b.of(7)), undefined);
  assert.equal(a.parse('web_3f6286480b194b079870ac75fb6978b7'), undefined);
  assert.equal(a.parse(`${a.prefix}12x`), undefined);
  assert.equal(a.parse(undefined), undefined);
  assert.ok(ClientOrderIds.looksOurs(b.of(7)));
  assert.ok(!ClientOrderIds.looksOurs('x-TKT5PX2Fabc'));
});
