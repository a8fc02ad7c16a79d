// The capture parser alone over whole decompressed files held in memory: no reading, no output. Shared by
// bench/convert.bench.ts and bench/convert-parse.probe.ts.
import { BinanceCaptureParser } from '../src/data/binance-capture.js';

/** Every line of `texts` (one buffer per file, in order) through one parser; returns the lines it read. */
export function parseInMemory(texts: readonly Buffer[]): number {
  const p = new BinanceCaptureParser(() => {});
  for (const b of texts) {
    p.beginFile('capture');
    let pos = 0;
    for (;;) {
      const nl = b.indexOf(10, pos);
      if (nl < 0) break;
      p.line(b, pos, nl);
      pos = nl + 1;
    }
  }
  return p.finish().lines;
}
