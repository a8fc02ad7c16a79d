// Capture files → normalized events: to an Arrow file (streamed) or into memory.
import { basename } from 'node:path';
import { UserError } from '../core/index.js';
import type { EventColumns } from '../market/index.js';
import { BinanceCaptureParser, CAPTURE_CONVERTER_VERSION, type CaptureOptions, type CaptureReport } from './binance-capture.js';
import { forEachLineOfFiles, forEachLineSync } from './capture-lines.js';
import { EventBuffer } from './event-buffer.js';
import { EventFileWriter } from './event-store.js';
import { checkEventRows, eventCheck } from './event-checks.js';

/** Schema metadata written with converted captures (the symbol is known once the first message is read). */
export function captureMeta(paths: readonly string[], symbol: string | null): Record<string, string> {
  return {
    source: 'binance-capture',
    converter_version: String(CAPTURE_CONVERTER_VERSION),
    venue: 'binance',
    symbol: symbol ?? '',
    files: paths.map((f) => basename(f)).join(','),
    time_unit: 'epoch microseconds',
    ts_exchange_note: 'spot bookTicker and REST snapshots carry no exchange time: tsExchange = tsLocal + latest exchange-local offset',
  };
}

/** Convert capture files (in order) to an Arrow event file, streaming; the file appears only when complete. */
export async function convertCaptureToArrow(paths: readonly string[], out: string, options: CaptureOptions = {}): Promise<CaptureReport> {
  let writer: EventFileWriter | null = null;
  let parser: BinanceCaptureParser | null = null;
  const open = (): EventFileWriter => (writer ??= new EventFileWriter(out, { meta: captureMeta(paths, options.symbol ?? parser?.currentSymbol ?? null), syncAhead: true }));
  // The events a capture turns into are checked before they are written (a bad price never reaches a file).
  const check = eventCheck(`capture ${paths.join(', ')}`, 'event');
  try {
    parser = new BinanceCaptureParser((chunk) => {
      checkEventRows(chunk, check);
      open().append(chunk);
    }, options);
    const lines = parser;
    await forEachLineOfFiles(paths, (p) => lines.beginFile(p), (b, s, e) => lines.line(b, s, e));
    const report = parser.finish();
    // Nothing to replay: an empty event file would only pass the problem on.
    if (report.rows === 0) throw new UserError(`convert: no market events in ${paths.join(', ')} (${report.lines} line(s) read)`);
    open().close();
    return report;
  } catch (e) {
    (writer as EventFileWriter | null)?.abort();
    throw e;
  }
}

/** Convert capture files into memory, synchronously. */
export function loadCaptureSync(paths: readonly string[], options: CaptureOptions = {}): { events: EventColumns; report: CaptureReport } {
  const buf = new EventBuffer(1 << 18);
  const parser = new BinanceCaptureParser((chunk) => buf.append(chunk), options);
  for (const p of paths) {
    parser.beginFile(p);
    forEachLineSync(p, (b, s, e) => parser.line(b, s, e));
  }
  const report = parser.finish();
  const events = buf.view();
  checkEventRows(events, eventCheck(`capture ${paths.join(', ')}`, 'event'));
  return { events, report };
}

/**
 * Why an event file converted from a capture by an older converter does not replay as one converted now
 * (undefined: it does, or it was not converted from a capture): what each later version added.
 */
export function olderConversionOf(meta: Readonly<Record<string, string>>): string | undefined {
  const v = Number(meta['converter_version']);
  if (meta['source'] !== 'binance-capture' || !Number.isInteger(v) || v >= CAPTURE_CONVERTER_VERSION) return undefined;
  const missing = [
    v < 2 ? 'gap rows at the breaks of the depth stream (the replay takes a broken book as known)' : '',
    v < 3 ? "futures bookTickers at their transaction time (the venue's book runs behind after a late one)" : '',
    v < 4 ? 'publication times (the trading side sees each row at its exchange time, before Binance published it: up to ~0.2 s for trades)' : '',
  ].filter((x) => x !== '');
  return `converted by converter ${v} (this version converts with ${CAPTURE_CONVERTER_VERSION}): it lacks ${missing.join('; ')}; convert the capture again`;
}
