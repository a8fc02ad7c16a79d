// Deployment files: the compose file's structure, the Dockerfile's stages, the systemd unit, and the deploy sync's excludes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const read = (p: string): string => readFileSync(join(root, p), 'utf8');

function composeAvailable(): boolean {
  return spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
}

test('docker-compose.server.yml validates (docker compose config, or its structure when the plugin is missing)', () => {
  if (composeAvailable()) {
    const dir = mkdtempSync(join(tmpdir(), 'mm-compose-'));
    copyFileSync(join(root, 'docker-compose.server.yml'), join(dir, 'docker-compose.server.yml'));
    writeFileSync(join(dir, '.env'), 'PAPER_ONLY=1\n');
    const r = spawnSync('docker', ['compose', '-f', 'docker-compose.server.yml', 'config', '--quiet'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const doc = parseYaml(read('docker-compose.server.yml')) as { services?: Record<string, Record<string, unknown>> };
  const svc = doc.services?.['realtime-strategy'];
  assert.ok(svc, 'a realtime-strategy service');
  const build = svc['build'] as { context?: string; dockerfile?: string };
  assert.equal(build.context, '.');
  assert.ok(existsSync(join(root, build.dockerfile ?? '')), 'the Dockerfile it builds exists');
  assert.ok(['always', 'unless-stopped', 'on-failure'].includes(String(svc['restart'])));
  assert.deepEqual(svc['env_file'], ['.env']);
  const volumes = svc['volumes'] as string[];
  for (const v of ['./artifacts:/app/artifacts', './ledger:/app/ledger']) assert.ok(volumes.includes(v), `volume ${v}`);
  const hc = svc['healthcheck'] as { test: string[]; interval: string; retries: number };
  assert.equal(hc.test[0], 'CMD');
  assert.match(hc.test.join(' '), /\/healthz/);
  assert.ok(hc.retries > 0);
  // Hardening: no host network, the dashboard on the host's loopback only, nothing writable but the data,
  // no capabilities, bounded memory and CPU, never root.
  assert.equal(svc['network_mode'], undefined, 'no host networking');
  const ports = svc['ports'] as string[];
  assert.ok(ports.length > 0 && ports.every((p) => p.startsWith('127.0.0.1:')), `ports published on 127.0.0.1 only: ${ports.join(', ')}`);
  assert.equal(svc['read_only'], true);
  assert.ok((svc['tmpfs'] as string[]).some((t) => t.startsWith('/tmp')));
  assert.deepEqual(svc['cap_drop'], ['ALL']);
  assert.ok((svc['security_opt'] as string[]).includes('no-new-privileges:true'));
  assert.match(String(svc['mem_limit']), /^\d+[kmg]$/);
  assert.ok(Number(svc['cpus']) > 0);
  assert.ok(Number(svc['pids_limit']) > 0);
  const user = String(svc['user']);
  assert.match(user, /^[1-9]\d*:[1-9]\d*$/, `a fixed non-root user whoever deploys, got '${user}'`);
  assert.equal((svc['environment'] as Record<string, string>)['MARKETMAKERL_DASHBOARD_HOST'], '0.0.0.0');
  const entry = (svc['entrypoint'] as string[])[0]!.replace('/app/', '');
  accessSync(join(root, entry), constants.X_OK);
  // The same script serves as the systemd unit's start command.
  assert.match(read('deploy/marketmakerl.service'), /ExecStart=\/opt\/marketmakerl\/deploy\/start-realtime\.sh/);
  assert.match(read('deploy/marketmakerl.service'), /EnvironmentFile=/);
});

test('the Dockerfile is multi-stage on one pinned Node 20 release, installs production dependencies only, and runs as a non-root user', () => {
  const text = read('Dockerfile');
  const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(text)?.[1];
  assert.match(image ?? '', /^node:20\.\d+\.\d+-[a-z]+-slim$/, 'the base image is pinned to a release, not a moving tag');
  const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.ok(froms.length >= 2);
  for (const f of froms) assert.equal(f, '${NODE_IMAGE}');
  assert.match(text, /npm ci --omit=dev/);
  const users = [...text.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
  assert.ok(users.length > 0 && users.every((u) => u !== 'root' && u !== '0'));
  assert.doesNotMatch(text, /EXCHANGE_API_(KEY|SECRET)\s*=/);
});

test('.env is never committed', () => {
  assert.ok(read('.gitignore').split('\n').some((l) => l.trim() === '.env'));
  assert.match(read('.dockerignore'), /^\.env$/m);
});

test('deploy-server: SERVER missing is a clear message and exit 2', () => {
  const r = spawnSync('bash', [join(root, 'scripts/deploy-server.sh')], { encoding: 'utf8', env: { ...process.env, SERVER: '' } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /SERVER is not set; usage: make deploy-server SERVER=user@host/);
});

test('deploy-server sync never sends nor deletes the server data, artifacts, ledger or .env, and removes stale code', { skip: spawnSync('rsync', ['--version']).status !== 0 ? 'rsync not installed' : false }, () => {
  const base = mkdtempSync(join(tmpdir(), 'mm-deploy-'));
  const src = join(base, 'checkout');
  const dst = join(base, 'server');
  const put = (dir: string, p: string, text: string): void => {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  };
  put(src, 'src/a.ts', 'export {};\n');
  put(src, 'deploy/rsync-filter', read('deploy/rsync-filter'));
  put(src, '.env', 'EXCHANGE_API_SECRET=local-secret\n');
  put(src, '.env.example', 'PAPER_ONLY=1\n');
  put(src, 'node_modules/x/index.js', '');
  put(src, 'dist/cli/main.js', '');
  put(src, 'artifacts/local-run.json', '{}');
  put(src, 'ledger/ledger.sqlite', 'local ledger');
  put(src, 'data/history/local.csv', '');
  put(dst, 'artifacts/realtime/server-run.jsonl', 'server');
  put(dst, 'ledger/ledger.sqlite', 'server ledger');
  put(dst, 'data/history/BTCUSDT.csv', 'server data');
  put(dst, '.env', 'EXCHANGE_API_SECRET=server-secret\n');
  put(dst, 'src/stale.ts', 'old code');

  const r = spawnSync('bash', [join(root, 'scripts/deploy-server.sh')], { encoding: 'utf8', env: { ...process.env, SERVER: 'local', SERVER_DIR: dst, DEPLOY_SOURCE: src } });
  assert.equal(r.status, 0, r.stderr);
  const has = (p: string): boolean => existsSync(join(dst, p));
  assert.ok(has('src/a.ts'), 'code is sent');
  assert.ok(!has('src/stale.ts'), 'code that left the checkout is removed');
  assert.ok(has('.env.example'));
  assert.equal(readFileSync(join(dst, '.env'), 'utf8'), 'EXCHANGE_API_SECRET=server-secret\n', "the server's .env is untouched");
  assert.equal(readFileSync(join(dst, 'ledger/ledger.sqlite'), 'utf8'), 'server ledger');
  assert.equal(readFileSync(join(dst, 'data/history/BTCUSDT.csv'), 'utf8'), 'server data');
  assert.ok(has('artifacts/realtime/server-run.jsonl'));
  for (const p of ['artifacts/local-run.json', 'data/history/local.csv', 'node_modules/x/index.js', 'dist/cli/main.js']) assert.ok(!has(p), `${p} is not sent`);
});

test('the shipped live example config parses strictly as the one config (trading sections and the live section)', async () => {
  const { parseTradingConfig } = await import('../../src/engine/index.js');
  const cfg = parseTradingConfig(parseYaml(read('config/examples/live.yaml')));
  assert.ok(cfg.quoting.order_qty! <= cfg.risk.max_order_qty!);
  assert.equal(cfg.live.unknown_orders, 'refuse');
});

test('the service start script passes the live guard its settings: live without PAPER_ONLY=0 is refused', { skip: !existsSync(join(root, 'dist/cli/commands/realtime-live.js')) ? 'CLI not built (make build)' : false }, () => {
  const env: NodeJS.ProcessEnv = { ...process.env, MM_MODE: 'live', MM_CONFIRM_LIVE: 'yes', PAPER_ONLY: '1' };
  delete env['EXCHANGE_API_KEY'];
  delete env['EXCHANGE_API_SECRET'];
  let r = spawnSync(join(root, 'deploy/start-realtime.sh'), [], { encoding: 'utf8', env });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'error: mode=live is disabled while PAPER_ONLY=1');
  r = spawnSync(join(root, 'deploy/start-realtime.sh'), [], { encoding: 'utf8', env: { ...env, PAPER_ONLY: '0' } });
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim(), 'error: mode=live requires env vars: EXCHANGE_API_KEY, EXCHANGE_API_SECRET');
  r = spawnSync(join(root, 'deploy/start-realtime.sh'), [], { encoding: 'utf8', env: { ...env, PAPER_ONLY: '0', MM_CONFIRM_LIVE: '', EXCHANGE_API_KEY: 'k-unit-000', EXCHANGE_API_SECRET: 's-unit-000' } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /requires --confirm-live/);
});

test('the compose health check tells healthy from halted: exit 0 while trading, 1 while halted or unreachable', async () => {
  const { DashboardState, startDashboardServer } = await import('../../src/report/dashboard/index.js');
  const doc = parseYaml(read('docker-compose.server.yml')) as { services: Record<string, { healthcheck: { test: string[] } }> };
  const [, node, flag, script] = doc.services['realtime-strategy']!.healthcheck.test;
  assert.deepEqual([node, flag], ['node', '-e']);
  const state = new DashboardState('live', 'health');
  const server = await startDashboardServer({ port: 0, title: 'health', state });
  const check = (): Promise<number | null> =>
    new Promise((resolve) => {
      const c = spawn(process.execPath, ['-e', script!], { env: { ...process.env, MM_DASHBOARD_PORT: String(server.port) } });
      c.on('close', resolve);
    });
  try {
    state.stats = { ...state.stats, trading_state: 'active' };
    assert.equal(await check(), 0);
    state.stats = { ...state.stats, trading_state: 'halted', halt_reason: 'kill-switch: halt file' };
    assert.equal(await check(), 1);
  } finally {
    await server.close();
  }
  assert.equal(await check(), 1, 'nothing listening: unhealthy');
});
