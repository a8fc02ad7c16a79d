// Run the fake Binance on 127.0.0.1 from a shell (manual checks, make paper-multisymbol-offline): prints its URL, serves until killed.
import { FakeBinance } from './fake-binance.js';

// BTCUSDT replays the capture; ETHUSDT replays it too, prices × 0.05 (a second market with its own stream).
const fake = new FakeBinance({ stepMs: Number(process.env['FAKE_STEP_MS'] ?? 100), replicas: [{ symbol: 'ETHUSDT', priceFactor: 0.05 }] });
const url = await fake.start();
process.stdout.write(`${url}\n`);
const stop = (): void => void fake.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
