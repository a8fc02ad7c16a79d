// `marketmakerl halt`: the manual kill switch — writes the halt file a running loop polls, or asks a dashboard over HTTP.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError, NetworkFault } from '../../core/index.js';
import { DEFAULT_HALT_FILE, clearHaltFile, writeHaltFile } from '../../risk/index.js';
import { refuseGiven } from '../config-flags.js';

export interface HaltFlags {
  haltFile?: string;
  url?: string;
  reason?: string;
  clear?: boolean;
  /** The dashboard's token file (default: dashboard-<port>.token beside --ledger, or beside the halt file). */
  tokenFile?: string;
  ledger?: string;
}

/** The dashboard's token: in the URL printed at start, a token file, or MARKETMAKERL_DASHBOARD_TOKEN. */
function tokenFor(u: URL, f: HaltFlags, env: NodeJS.ProcessEnv): string {
  const inUrl = u.searchParams.get('token');
  if (inUrl !== null && inUrl !== '') return inUrl;
  const candidates = f.tokenFile !== undefined ? [f.tokenFile] : [f.ledger, f.haltFile ?? DEFAULT_HALT_FILE].filter((p): p is string => p !== undefined).map((p) => join(dirname(p), `dashboard-${u.port}.token`));
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    try {
      const t = readFileSync(c, 'utf8').trim();
      if (t !== '') return t;
    } catch (e) {
      throw new UserError(`--token-file: cannot read ${c} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if (f.tokenFile !== undefined) throw new UserError(`--token-file: no token in ${f.tokenFile}`);
  const fromEnv = env['MARKETMAKERL_DASHBOARD_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  throw new UserError(`--url: the dashboard needs its token: give the URL printed at its start (…/?token=…), --token-file FILE, or --ledger FILE (its dashboard-${u.port}.token beside it)`);
}

export async function haltCommand(f: HaltFlags, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const path = f.haltFile ?? DEFAULT_HALT_FILE;
  // What cannot act on this halt is refused, not ignored: --clear only removes the file, the token is the dashboard's.
  const given = f as Record<string, unknown>;
  if (f.clear) refuseGiven(given, { url: '--url', reason: '--reason', tokenFile: '--token-file', ledger: '--ledger' }, 'not used with --clear (it removes the halt file; a dashboard\'s halt is lifted the same way)');
  if (f.url === undefined) refuseGiven(given, { tokenFile: '--token-file', ledger: '--ledger' }, "only with --url (where the dashboard's token is found)");
  if (f.clear) {
    const removed = clearHaltFile(path);
    process.stdout.write(`${JSON.stringify({ cleared: removed, halt_file: path })}\n`);
    return;
  }
  const reason = f.reason ?? `operator halt at ${new Date().toISOString()}`;
  if (f.url !== undefined) {
    let u: URL;
    try {
      u = new URL(f.url);
    } catch {
      throw new UserError(`--url: expected the dashboard's http://127.0.0.1:PORT, got '${f.url}'`);
    }
    if (u.protocol !== 'http:' || u.port === '') throw new UserError(`--url: expected the dashboard's http://127.0.0.1:PORT, got '${f.url}'`);
    const token = tokenFor(u, f, env);
    const target = new URL('/halt', u.origin);
    let res: Response;
    try {
      res = await fetch(target, { method: 'POST', body: reason, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain; charset=utf-8' } });
    } catch (e) {
      throw new NetworkFault(`--url: cannot reach ${u.origin}: ${(e as Error).message}`);
    }
    if (res.status === 401) throw new UserError(`--url: ${u.origin} refused the token (a dashboard's token changes at every start)`);
    if (!res.ok) throw new NetworkFault(`--url: ${u.origin} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    process.stdout.write(`${JSON.stringify({ halted: true, via: u.origin, reason })}\n`);
    return;
  }
  writeHaltFile(path, reason);
  process.stdout.write(`${JSON.stringify({ halted: true, halt_file: path, reason })}\n`);
}
