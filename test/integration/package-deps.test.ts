// Test-only packages stay devDependencies: no file the CLI runs imports one (a production install, npm ci --omit=dev, must work).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../fixtures/shared-data.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return n.endsWith('.ts') && !n.endsWith('.test.ts') && !n.endsWith('.case.ts') ? [p] : [];
  });
}

test('no runtime source imports a devDependency; playwright-core is one', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  assert.ok('playwright-core' in pkg.devDependencies && !('playwright-core' in pkg.dependencies), 'playwright-core is a devDependency');
  for (const name of ['pino', 'piscina', 'prom-client', 'commander']) assert.ok(name in pkg.dependencies, `${name} is a runtime dependency`);
  const dev = Object.keys(pkg.devDependencies).filter((d) => !d.startsWith('@types/'));
  const offenders: string[] = [];
  for (const file of sources(join(REPO_ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const d of dev) {
      const esc = d.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      if (new RegExp(`(from\\s+|import\\(\\s*)['"]${esc}(/[^'"]*)?['"]`).test(text)) offenders.push(`${relative(REPO_ROOT, file)} imports ${d}`);
    }
  }
  assert.deepEqual(offenders, []);
});
