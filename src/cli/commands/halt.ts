// `marketmakerl halt`: the manual kill switch — writes the halt file a running loop polls, or asks a dashboard over HTTP.
import { UserError, NetworkFault } from '../../core/index.js';
import { DEFAULT_HALT_FILE, clearHaltFile, writeHaltFile } from '../../risk/index.js';

export interface HaltFlags {
  haltFile?: string;
  url?: string;
  reason?: string;
  clear?: boolean;
}

export async function haltCommand(f: HaltFlags): Promise<void> {
  const path = f.haltFile ?? DEFAULT_HALT_FILE;
  if (f.clear) {
    const removed = clearHaltFile(path);
    process.stdout.write(`${JSON.stringify({ cleared: removed, halt_file: path })}\n`);
    return;
  }
  const reason = f.reason ?? `operator halt at ${new Date().toISOString()}`;
  if (f.url !== undefined) {
    let u: URL;
    try {
      u = new URL('/halt', f.url);
    } catch {
      throw new UserError(`--url: expected the dashboard's http://HOST:PORT, got '${f.url}'`);
    }
    let res: Response;
    try {
      res = await fetch(u, { method: 'POST', body: reason });
    } catch (e) {
      throw new NetworkFault(`--url: cannot reach ${u.origin}: ${(e as Error).message}`);
    }
    if (!res.ok) throw new NetworkFault(`--url: ${u.origin} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    process.stdout.write(`${JSON.stringify({ halted: true, via: u.origin })}\n`);
    return;
  }
  writeHaltFile(path, reason);
  process.stdout.write(`${JSON.stringify({ halted: true, halt_file: path, reason })}\n`);
}
