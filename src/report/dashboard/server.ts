// The dashboard's HTTP and websocket server: the page, the chart library, state, run folders, /healthz, /metrics and the HTTP kill switch.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { WebSocketServer, type WebSocket } from 'ws';
import { writeHaltFile } from '../../risk/index.js';
import { dashboardPage } from './page.js';
import type { DashboardMessage, DashboardState } from './dashboard-state.js';
import { listRunFolders, readRunFolder } from './run-folders.js';
import { DashboardMetrics } from './metrics.js';

export interface DashboardServerOptions {
  /** 0: any free port. Always bound to 127.0.0.1 unless `host` says otherwise. */
  port: number;
  host?: string;
  title: string;
  state: DashboardState;
  /** Where POST /halt writes the halt file (absent: the button is refused). */
  haltPath?: string;
  /** Folder of backtest run folders (default artifacts/runs). */
  runsDir?: string;
  /** Push updates to the page this often, ms. */
  pushMs?: number;
  /** Called before each push (a ledger source refreshes the state here). */
  refresh?: () => void;
}

export interface DashboardServer {
  url: string;
  port: number;
  clients: () => number;
  close: () => Promise<void>;
}

let chartLib: Buffer | undefined;
function chartLibrary(): Buffer {
  if (chartLib === undefined) {
    const req = createRequire(import.meta.url);
    const pkg = req.resolve('lightweight-charts/package.json');
    chartLib = readFileSync(join(dirname(pkg), 'dist', 'lightweight-charts.standalone.production.js'));
  }
  return chartLib;
}

export async function startDashboardServer(o: Readonly<DashboardServerOptions>): Promise<DashboardServer> {
  const page = dashboardPage(o.title);
  const runsDir = o.runsDir ?? 'artifacts/runs';
  const started = Date.now();
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, body: unknown): void => send(res, status, 'application/json', JSON.stringify(body));
  const metrics = new DashboardMetrics(() => o.state.stats);

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = `${req.method ?? 'GET'} ${u.pathname}`;
    try {
      switch (route) {
        case 'GET /':
        case 'GET /index.html':
          return send(res, 200, 'text/html; charset=utf-8', page);
        case 'GET /lightweight-charts.js':
          return send(res, 200, 'application/javascript', chartLibrary());
        case 'GET /favicon.ico':
          return send(res, 204, 'image/x-icon', '');
        case 'GET /healthz':
          return json(res, 200, { ok: true, uptime_s: Math.round((Date.now() - started) / 1000), trading_state: o.state.stats.trading_state, updated_utc: o.state.stats.updated_utc });
        case 'GET /metrics':
          o.refresh?.();
          metrics.text().then(
            (text) => send(res, 200, metrics.contentType, text),
            (e: unknown) => json(res, 500, { error: (e as Error).message }),
          );
          return;
        case 'GET /api/state':
          o.refresh?.();
          return json(res, 200, o.state.snapshot());
        case 'GET /api/runs':
          return json(res, 200, listRunFolders(runsDir));
        case 'GET /api/run': {
          const m = readRunFolder(runsDir, u.searchParams.get('name') ?? '');
          return m === undefined ? json(res, 404, { error: 'no such run folder' }) : json(res, 200, m);
        }
        case 'POST /halt':
          if (o.haltPath === undefined) return json(res, 409, { error: 'no running loop to halt from this dashboard' });
          writeHaltFile(o.haltPath, `dashboard request from ${req.socket.remoteAddress ?? 'unknown'}`);
          return json(res, 200, { halted: true, halt_file: o.haltPath });
        default:
          return json(res, 404, { error: 'not found' });
      }
    } catch (e) {
      return json(res, 500, { error: (e as Error).message });
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/ws')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      o.refresh?.();
      ws.send(JSON.stringify(o.state.snapshot()));
    });
  });

  const timer = setInterval(() => {
    o.refresh?.();
    const m: DashboardMessage | undefined = o.state.update();
    if (m === undefined || clients.size === 0) return;
    const text = JSON.stringify(m);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  }, o.pushMs ?? 250);
  timer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.host ?? '127.0.0.1'}:${port}/`,
    port,
    clients: () => clients.size,
    close: async () => {
      clearInterval(timer);
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
