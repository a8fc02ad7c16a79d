// The dashboard's HTTP and websocket server: the page, the chart library, state, run folders, the status page, /healthz, /metrics and the HTTP kill switch.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkOrigin, cookieName, newToken, presentedToken, tokenMatches } from './access.js';
import { createRequire } from 'node:module';
import { WebSocketServer, type WebSocket } from 'ws';
import { UserError, scrubSecrets } from '../../core/index.js';
import { writeHaltFile } from '../../risk/index.js';
import { dashboardPage } from './page.js';
import type { DashboardMessage, DashboardState } from './dashboard-state.js';
import { listRunFolders, readRunFolder } from './run-folders.js';
import { DashboardMetrics } from './metrics.js';
import { statusAnswer, type StatusSource } from './status-route.js';

export interface DashboardServerOptions {
  /** 0: any free port. Bound to 127.0.0.1 unless `host` (or MARKETMAKERL_DASHBOARD_HOST, in a container) says otherwise. */
  port: number;
  host?: string;
  /** The per-run token that reads and acts need (default: a fresh random one). */
  token?: string;
  /** Write the token to `<tokenDir>/dashboard-<port>.token`, mode 0600, removed at close (`halt --url` reads it). */
  tokenDir?: string;
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
  /** Serve the status page at /status/ (and the files under its artifacts folder it links to), behind the same token. */
  status?: StatusSource;
}

export interface DashboardServer {
  /** http://127.0.0.1:PORT/ (every request but /healthz needs the token). */
  url: string;
  /** The URL to open once: it carries the token, which the page then keeps in a cookie. */
  openUrl: string;
  /** With `status`: the status page's URL to open once (it carries the token too). */
  statusUrl: string | undefined;
  token: string;
  /** Where the token was written (with `tokenDir`). */
  tokenFile: string | undefined;
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
  const page = dashboardPage(o.title, { statusLink: o.status !== undefined });
  const runsDir = o.runsDir ?? 'artifacts/runs';
  const started = Date.now();
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  // What the dashboard shows passes the secret scrubber too (risk reasons quote exchange errors).
  const json = (res: ServerResponse, status: number, body: unknown): void => send(res, status, 'application/json', scrubSecrets(JSON.stringify(body)));

  const token = o.token ?? newToken();
  let port = 0;
  // Without the token a browser gets this page (and nothing else): the URL printed at start carries it.
  const locked =
    '<!doctype html><meta charset="utf-8"><title>marketmakerl dashboard</title><p>This dashboard needs its token: open the URL printed when it started (it ends in <code>/?token=…</code>).</p>\n';
  // Routes anyone on this machine may read: no state in them beyond whether trading is halted.
  const open = new Set(['GET /healthz', 'GET /favicon.ico', 'GET /lightweight-charts.js']);
  const metrics = new DashboardMetrics(() => o.state.stats);

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = `${req.method ?? 'GET'} ${u.pathname}`;
    try {
      const v = checkOrigin(req, port);
      if (!v.ok) return json(res, v.status, { error: v.error });
      // The pages a browser opens: the dashboard, and the status page when it is served.
      const statusPage = o.status !== undefined && (route === 'GET /status' || route === 'GET /status/');
      const isPage = route === 'GET /' || route === 'GET /index.html' || statusPage;
      if (!open.has(route)) {
        const presented = presentedToken(req, port, u);
        if (!tokenMatches(presented, token)) {
          if (isPage) return send(res, 401, 'text/html; charset=utf-8', locked);
          return json(res, 401, { error: 'this dashboard needs its token (Authorization: Bearer, or the URL printed at start)' });
        }
        if (isPage && (u.searchParams.has('token') || route === 'GET /status')) {
          // Keep the token in a cookie only this dashboard's own pages send, and take it out of the address bar.
          const location = statusPage ? '/status/' : '/';
          res.writeHead(303, { location, ...(u.searchParams.has('token') ? { 'set-cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {}), 'cache-control': 'no-store' });
          res.end();
          return;
        }
      }
      if (o.status !== undefined && req.method === 'GET' && u.pathname.startsWith('/status/')) {
        const a = statusAnswer(o.status, u.pathname);
        if (a !== undefined) return send(res, a.status, a.type, a.body);
      }
      switch (route) {
        case 'GET /':
        case 'GET /index.html':
          return send(res, 200, 'text/html; charset=utf-8', page);
        case 'GET /lightweight-charts.js':
          return send(res, 200, 'application/javascript', chartLibrary());
        case 'GET /favicon.ico':
          return send(res, 204, 'image/x-icon', '');
        case 'GET /healthz': {
          // Healthy means serving and trading: a halted loop answers 503, so a health check sees it.
          const s = o.state.stats;
          const halted = s.trading_state === 'halted';
          const reason = typeof s['halt_reason'] === 'string' ? s['halt_reason'] : undefined;
          return json(res, halted ? 503 : 200, { ok: !halted, uptime_s: Math.round((Date.now() - started) / 1000), trading_state: s.trading_state, ...(reason !== undefined ? { halt_reason: reason } : {}), updated_utc: s.updated_utc });
        }
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
        case 'POST /halt': {
          if (o.haltPath === undefined) return json(res, 409, { error: 'no running loop to halt from this dashboard' });
          const haltPath = o.haltPath;
          let body = '';
          req.setEncoding('utf8');
          req.on('data', (c: string) => {
            if (body.length < 1_000) body += c;
          });
          req.on('end', () => {
            const why = body.replace(/[\r\n\t]+/g, ' ').trim().slice(0, 300);
            try {
              writeHaltFile(haltPath, `dashboard: ${why !== '' ? why : `request from ${req.socket.remoteAddress ?? 'unknown'}`}`);
              json(res, 200, { halted: true, halt_file: haltPath });
            } catch (e) {
              json(res, e instanceof UserError ? 409 : 500, { error: `cannot write the halt file: ${(e as Error).message}` });
            }
          });
          return;
        }
        default:
          return json(res, 404, { error: 'not found' });
      }
    } catch (e) {
      // One line, never a stack trace.
      return json(res, 500, { error: (e as Error).message.split('\n')[0] });
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const refuse = (status: number, why: string): void => {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 421 ? 'Misdirected Request' : 'Forbidden'}\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(why)}\r\n\r\n${why}`);
    };
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (u.pathname !== '/ws') return socket.destroy();
    // Browsers do not apply CORS to websockets: the Origin and the token are checked here.
    const v = checkOrigin(req, port);
    if (!v.ok) return refuse(v.status, v.error);
    if (!tokenMatches(presentedToken(req, port, u), token)) return refuse(401, 'this dashboard needs its token');
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      o.refresh?.();
      ws.send(scrubSecrets(JSON.stringify(o.state.snapshot())));
    });
  });

  const timer = setInterval(() => {
    o.refresh?.();
    const m: DashboardMessage | undefined = o.state.update();
    if (m === undefined || clients.size === 0) return;
    const text = scrubSecrets(JSON.stringify(m));
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  }, o.pushMs ?? 250);
  timer.unref();

  const host = o.host ?? process.env['MARKETMAKERL_DASHBOARD_HOST'] ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  let tokenFile: string | undefined;
  if (o.tokenDir !== undefined) {
    mkdirSync(o.tokenDir, { recursive: true });
    tokenFile = join(o.tokenDir, `dashboard-${port}.token`);
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    chmodSync(tokenFile, 0o600);
  }
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}?token=${token}`,
    statusUrl: o.status !== undefined ? `${url}status?token=${token}` : undefined,
    token,
    tokenFile,
    port,
    clients: () => clients.size,
    close: async () => {
      if (tokenFile !== undefined) rmSync(tokenFile, { force: true });
      clearInterval(timer);
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
