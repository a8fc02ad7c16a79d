#!/usr/bin/env node
// Part of `make build`: vega and vega-lite as one ES module file, `dist/vendor/vega.mjs`. Both packages ship as
// hundreds of small modules; Node resolves and links each one, which made every report wait 0.5–0.7 s for its
// charts' libraries. One file loads in about a fifth of that (bench/RESULTS.md). `src/report/charts.ts` reads
// the bundle when it is there and the packages otherwise (runs from the sources).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  stdin: { contents: "export * as vega from 'vega';\nexport * as vl from 'vega-lite';\n", resolveDir: root, sourcefile: 'vega-vendor.js', loader: 'js' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(root, 'dist', 'vendor', 'vega.mjs'),
  logLevel: 'error',
  legalComments: 'linked',
});
