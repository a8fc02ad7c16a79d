// One progress style: JSON lines on a pipe (throttled, with events as their own lines), a redrawn bar on a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { streamProgress } from './progress.js';

function fakeStream(tty: boolean): { stream: NodeJS.WriteStream; out: string[] } {
  const out: string[] = [];
  const stream = { isTTY: tty, write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, out };
}

test('on a pipe: JSON lines, at most one per 500 ms of ticks, the last says done = total; notes are JSON events', () => {
  let t = 0;
  const { stream, out } = fakeStream(false);
  const p = streamProgress(stream, () => t);
  p.start(100, 'train', 'generations');
  for (let i = 1; i < 100; i++) {
    t += 20;
    p.tick(i, { eval: i / 10 });
  }
  p.note('reconnect', { attempt: 2 });
  p.finish();
  const lines = out.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const progress = lines.filter((l) => 'progress' in l);
  assert.ok(progress.length >= 3 && progress.length <= 6, `${progress.length} progress lines for 2 s of ticks`);
  assert.deepEqual(progress.at(-1)!['done'], 100);
  assert.equal(progress.at(-1)!['unit'], 'generations');
  assert.ok(progress.some((l) => typeof l['eval'] === 'number'), 'the latest figures ride along');
  assert.deepEqual(lines.find((l) => l['event'] === 'reconnect'), { event: 'reconnect', attempt: 2 });
});

test('on a terminal: one bar redrawn in place, a note printed above it, a newline at the end', () => {
  let t = 0;
  const { stream, out } = fakeStream(true);
  const p = streamProgress(stream, () => t);
  p.start(10, 'analyze', 'cases');
  t += 200;
  p.tick(5);
  p.note('file complete', { file: 'a.arrow' });
  p.finish();
  const text = out.join('');
  assert.match(text, /\r\x1b\[Kanalyze \[#{15}-{15}\] 5\/10 cases/);
  assert.match(text, /file complete file=a\.arrow\n/);
  assert.match(text, /\[#{30}\] 10\/10 cases .*\n$/);
  assert.doesNotMatch(text, /^\{/m, 'no JSON on a terminal');
});
