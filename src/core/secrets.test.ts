// The secret scrubber: every form a key can take in a text (as is, URL-encoded, JSON-escaped) becomes [redacted].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerSecret, scrubSecrets, scrubValue, secretValuesOf } from './secrets.js';
import { writeFileAtomic } from './fs.js';

test('a registered secret is redacted as is, URL-encoded and JSON-escaped; short values are never registered', () => {
  const secret = 'k3y/with+special"chars\\x';
  registerSecret(secret);
  registerSecret('ab');
  const text = `raw ${secret} url ${encodeURIComponent(secret)} json ${JSON.stringify({ k: secret })} ab`;
  const out = scrubSecrets(text);
  assert.ok(!out.includes(secret) && !out.includes(encodeURIComponent(secret)) && !out.includes(JSON.stringify(secret).slice(1, -1)), out);
  assert.equal(out.match(/\[redacted\]/g)?.length, 3);
  assert.ok(out.endsWith(' ab'), 'a two-letter value is not a secret');
  assert.deepEqual(scrubValue({ a: [`x ${secret}`] }), { a: ['x [redacted]'] });
});

test('the secrets of an environment: the exchange keys, and long values of variables named like secrets', () => {
  const got = secretValuesOf({ EXCHANGE_API_KEY: 'k-1234', EXCHANGE_API_SECRET: 's-5678', REDIS_PASSWORD: 'hunter2hunter2', SOME_TOKEN: 'short', HOME: '/root', PATH: '/usr/bin' });
  assert.deepEqual(got.sort(), ['hunter2hunter2', 'k-1234', 's-5678']);
});

test('a text artifact never carries a registered secret', () => {
  registerSecret('artifact-secret-value-42');
  const p = join(mkdtempSync(join(tmpdir(), 'mm-secret-')), 'report.html');
  writeFileAtomic(p, '<p>error: invalid key artifact-secret-value-42</p>');
  assert.equal(readFileSync(p, 'utf8'), '<p>error: invalid key [redacted]</p>');
});
