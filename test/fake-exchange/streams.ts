// The fake's public websocket streams, shared by every venue it replays: subscriptions (Binance's raw and combined connections) and a capture replayed into a book and out to them.
import type { WebSocket } from 'ws';
import type { BookTickerMsg, CaptureData, DepthMsg, FakeVenue, Level, TradeMsg } from './market-data.js';

/** A market replayed under another symbol with prices × `priceFactor` and quantities ÷ it. */
export interface Replica {
  symbol: string;
  priceFactor: number;
}

interface Client {
  subs: Set<string>;
  /** `/stream` connections wrap each message as `{stream, data}`. */
  combined: boolean;
}

/**
 * The clients of one venue's stream endpoint (spot `/ws`, `/stream`; USD-M `/public/ws`, `/public/stream`):
 * streams named in the URL (`/ws/<stream>` or `?streams=a/b`) or by `SUBSCRIBE` / `UNSUBSCRIBE`,
 * `LIST_SUBSCRIPTIONS` answered; a message goes to every client subscribed to a stream starting with its prefix.
 */
export class StreamHub {
  private readonly clients = new Map<WebSocket, Client>();

  attach(ws: WebSocket, url: string): void {
    const u = new URL(url, 'http://127.0.0.1');
    const client: Client = { subs: new Set(), combined: /\/stream$/.test(u.pathname) };
    for (const s of (u.searchParams.get('streams') ?? '').split('/')) if (s.includes('@')) client.subs.add(s);
    const tail = decodeURIComponent(u.pathname.slice(u.pathname.lastIndexOf('/') + 1));
    if (tail.includes('@')) client.subs.add(tail);
    this.clients.set(ws, client);
    ws.on('message', (raw) => {
      let msg: { method?: string; params?: string[]; id?: number | string };
      try {
        msg = JSON.parse(String(raw)) as typeof msg;
      } catch {
        ws.send(JSON.stringify({ error: { code: 3, msg: 'Invalid JSON' } }));
        return;
      }
      if (msg.method === 'SUBSCRIBE') for (const s of msg.params ?? []) client.subs.add(s);
      else if (msg.method === 'UNSUBSCRIBE') for (const s of msg.params ?? []) client.subs.delete(s);
      ws.send(JSON.stringify({ result: msg.method === 'LIST_SUBSCRIPTIONS' ? [...client.subs] : null, id: msg.id ?? null }));
    });
    ws.on('close', () => this.clients.delete(ws));
    ws.on('error', () => this.clients.delete(ws));
  }

  broadcast(streamPrefix: string, payload: unknown): void {
    let text: string | null = null;
    let combinedText: string | null = null;
    for (const [ws, c] of this.clients) {
      for (const s of c.subs) {
        if (!s.startsWith(streamPrefix)) continue;
        if (c.combined) {
          combinedText ??= JSON.stringify({ stream: s, data: payload });
          ws.send(combinedText);
        } else {
          text ??= JSON.stringify(payload);
          ws.send(text);
        }
        break;
      }
    }
  }

  /** Close every connection abruptly, as a network drop would. */
  terminateAll(): void {
    for (const ws of this.clients.keys()) ws.terminate();
    this.clients.clear();
  }

  get size(): number {
    return this.clients.size;
  }
}

/**
 * One capture replayed in arrival order: each step applies the next depth diff to the fake's book
 * (`lastUpdateId` = its `u`) and sends it — unless `dropDepth` swallows it: a sequence gap for clients
 * (spot: `U` skips; USD-M: the next `pu` names a `u` they never saw) —, then the trades and bookTickers
 * that came before the next diff. Messages go out byte for byte as Binance sent them (USD-M: `pu`, `T`,
 * the bookTicker's `e`, `E`, `T`); replicas get the same under their own symbol, scaled.
 */
export class VenueReplay {
  readonly hub = new StreamHub();
  /** Messages sent, and depth messages dropped by `dropDepth`. */
  readonly sent = { depth: 0, trades: 0, tickers: 0, droppedDepth: 0, disconnects: 0 };
  /** Depth messages applied; trades and bookTickers released. */
  pos = 0;
  tradePos = 0;
  private tickerPos = 0;
  private readonly bids = new Map<string, string>();
  private readonly asks = new Map<string, string>();
  lastUpdateId: number;
  private dropDepthCount = 0;

  constructor(
    readonly data: CaptureData,
    private readonly replicas: readonly Replica[],
    /** Symbols whose streams are silent (their books and trades still move). */
    private readonly muted: ReadonlySet<string>,
  ) {
    for (const [p, q] of data.snapshot.bids) this.bids.set(p, q);
    for (const [p, q] of data.snapshot.asks) this.asks.set(p, q);
    this.lastUpdateId = data.snapshot.lastUpdateId;
  }

  get venue(): FakeVenue {
    return this.data.venue;
  }

  get symbol(): string {
    return this.data.depth[0]?.s ?? 'BTCUSDT';
  }

  get done(): boolean {
    return this.pos >= this.data.depth.length;
  }

  /** Skip sending the next `n` depth messages (the book still applies them). */
  dropDepth(n: number): void {
    this.dropDepthCount += n;
  }

  /** The exchange time of the replay position, ms. */
  nowMs(): number {
    const d = this.data.depth[Math.max(0, this.pos - 1)];
    return d ? d.E : Date.now();
  }

  /** Apply and send the next depth message and what followed it; false at the end of the capture. */
  step(): boolean {
    const d = this.data.depth[this.pos];
    if (!d) return false;
    this.pos++;
    for (const [p, q] of d.b) setLevel(this.bids, p, q);
    for (const [p, q] of d.a) setLevel(this.asks, p, q);
    this.lastUpdateId = d.u;
    if (this.dropDepthCount > 0) {
      this.dropDepthCount--;
      this.sent.droppedDepth++;
    } else {
      this.send(d, '@depth', (r) => ({ ...d, s: r.symbol, b: scaleLevels(d.b, r), a: scaleLevels(d.a, r) }));
      this.sent.depth++;
    }
    const { trades, afterDepth, tickers, tickerAfterDepth } = this.data;
    while (this.tradePos < trades.length && afterDepth[this.tradePos]! <= this.pos) {
      const t = trades[this.tradePos++]!;
      this.send(t, '@trade', (r) => ({ ...t, s: r.symbol, p: scalePrice(t.p, r), q: scaleQty(t.q, r) }));
      this.sent.trades++;
    }
    while (this.tickerPos < tickers.length && tickerAfterDepth[this.tickerPos]! <= this.pos) {
      const k = tickers[this.tickerPos++]!;
      this.send(k, '@bookTicker', (r) => ({ ...k, s: r.symbol, b: scalePrice(k.b, r), B: scaleQty(k.B, r), a: scalePrice(k.a, r), A: scaleQty(k.A, r) }));
      this.sent.tickers++;
    }
    return true;
  }

  private send<M extends DepthMsg | TradeMsg | BookTickerMsg>(m: M, stream: string, scaled: (r: Replica) => M): void {
    if (!this.muted.has(m.s)) this.hub.broadcast(`${m.s.toLowerCase()}${stream}`, m);
    for (const r of this.replicas) if (!this.muted.has(r.symbol)) this.hub.broadcast(`${r.symbol.toLowerCase()}${stream}`, scaled(r));
  }

  replicaOf(symbol: string | undefined): Replica | undefined {
    return this.replicas.find((r) => r.symbol === symbol);
  }

  /** Whether this replay serves `symbol` (its own or a replica's). */
  serves(symbol: string | undefined): boolean {
    return symbol === this.symbol || this.replicaOf(symbol) !== undefined;
  }

  /** The best `limit` levels a side, best first, in `symbol`'s prices. */
  levels(side: 'bids' | 'asks', limit: number, symbol?: string): Level[] {
    const book = side === 'bids' ? this.bids : this.asks;
    const dir = side === 'bids' ? -1 : 1;
    const keys = [...book.keys()].sort((a, b) => dir * (Number(a) - Number(b)));
    const out: Level[] = keys.slice(0, limit).map((p) => [p, book.get(p)!]);
    const rep = this.replicaOf(symbol);
    return rep === undefined ? out : scaleLevels(out, rep);
  }

  /** The trades released so far (the last `limit`), in `symbol`'s prices. */
  released(limit: number, symbol?: string): TradeMsg[] {
    const raw = this.data.trades.slice(Math.max(0, this.tradePos - limit), this.tradePos);
    const rep = this.replicaOf(symbol);
    return rep === undefined ? raw : raw.map((t) => ({ ...t, p: scalePrice(t.p, rep), q: scaleQty(t.q, rep) }));
  }

  /** The last trade released (the first of the capture before any), in `symbol`'s prices. */
  lastTrade(symbol?: string): TradeMsg {
    const raw = this.data.trades[Math.max(0, this.tradePos - 1)]!;
    const rep = this.replicaOf(symbol);
    return rep === undefined ? raw : { ...raw, p: scalePrice(raw.p, rep), q: scaleQty(raw.q, rep) };
  }
}

function setLevel(side: Map<string, string>, p: string, q: string): void {
  if (Number(q) === 0) side.delete(p);
  else side.set(p, q);
}

/** Decimals enough for a scaled price or quantity (the capture's have at most 8). */
function fixed(x: number): string {
  return x.toFixed(10).replace(/\.?0+$/, '');
}

export function scalePrice(p: string, r: Replica): string {
  return fixed(Number(p) * r.priceFactor);
}

export function scaleQty(q: string, r: Replica): string {
  return fixed(Number(q) / r.priceFactor);
}

export function scaleLevels(levels: readonly Level[], r: Replica): Level[] {
  return levels.map(([p, q]) => [scalePrice(p, r), scaleQty(q, r)]);
}
