// Probe for load-independent comparisons: the shared capture's lines (decompressed once) through the capture parser N times, for an instruction counter.
// Run: esbuild bench/convert-parse.probe.ts --bundle --platform=node --format=esm --packages=external --outfile=probe.mjs
//      valgrind --tool=callgrind node --no-concurrent-recompilation probe.mjs N   (for N = 1 and 3: the difference / 2 / lines = instructions per line)
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseInMemory } from './parse-lines.js';
import { sharedCaptureFiles } from '../test/fixtures/capture.js';

const texts = sharedCaptureFiles().map((f) => gunzipSync(readFileSync(f)));
const n = Number(process.argv[2] ?? 1);
let lines = 0;
for (let r = 0; r < n; r++) {
  lines += parseInMemory(texts);
}
console.log(JSON.stringify({ passes: n, lines }));
