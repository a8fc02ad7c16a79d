#!/usr/bin/env node
// Part of `make build`, after `tsc`: packages that ship as hundreds of small modules, each bundled into one ES module
// file under `dist/vendor/`. Node resolves, reads and links every module file one by one, so a package's file count,
// not its size, is what a command waits for at start (bench/RESULTS.md).
// - vega and vega-lite → `dist/vendor/vega.mjs`: `src/report/charts.ts` reads the bundle when it is there and the
//   packages otherwise (runs from the sources). They made every report wait 0.5–0.7 s for its charts' libraries.
// - apache-arrow → `dist/vendor/arrow.cjs`: `src/data/arrow-lib.ts` requires it when it is there (event files).
// - zod (99 files) and yaml (84) → `dist/vendor/zod.mjs`, `dist/vendor/yaml.mjs`: every command that reads a config
//   loads both. The compiled code in `dist/` imports the bundles instead of the packages (its `from 'zod'` and
//   `from 'yaml'` are rewritten here, and the build fails if one is left); the sources and the tests keep importing
//   the packages. Same versions: the bundles are built from the installed packages of the lockfile.
import { build } from 'esbuild';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const vendor = join(dist, 'vendor');
const requireRoot = createRequire(join(root, 'package.json'));
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error', legalComments: 'linked' };

await build({
  ...common,
  stdin: { contents: "export * as vega from 'vega';\nexport * as vl from 'vega-lite';\n", resolveDir: root, sourcefile: 'vega-vendor.js', loader: 'js' },
  outfile: join(vendor, 'vega.mjs'),
});
await build({
  ...common,
  stdin: { contents: "export * from 'zod';\n", resolveDir: root, sourcefile: 'zod-vendor.js', loader: 'js' },
  outfile: join(vendor, 'zod.mjs'),
});
// yaml's Node build is CommonJS: its exports are named one by one (an ES module cannot re-export a CommonJS one's
// names with `*`), and it requires Node's `process` module, so the bundle gets a `require` of its own.
const yamlNames = Object.keys(requireRoot('yaml')).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default');
await build({
  ...common,
  stdin: { contents: `export { ${yamlNames.join(', ')} } from 'yaml';\n`, resolveDir: root, sourcefile: 'yaml-vendor.js', loader: 'js' },
  outfile: join(vendor, 'yaml.mjs'),
  banner: { js: "import { createRequire as __vendorRequire } from 'node:module';\nconst require = __vendorRequire(import.meta.url);" },
});

// apache-arrow (160 files), which reading or writing an event file loads: one CommonJS module, `dist/vendor/arrow.cjs`,
// that `src/data/arrow-lib.ts` requires when it is there (the package otherwise, as when running from the sources).
await build({
  ...common,
  format: 'cjs',
  entryPoints: [requireRoot.resolve('apache-arrow')],
  outfile: join(vendor, 'arrow.cjs'),
});

// The compiled code imports the bundles.
const BUNDLED = ['zod', 'yaml'];
function jsFiles(dir, out) {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) {
      if (p !== vendor) jsFiles(p, out);
    } else if (d.name.endsWith('.js')) out.push(p);
  }
  return out;
}
const left = [];
for (const file of jsFiles(dist, [])) {
  const text = readFileSync(file, 'utf8');
  let next = text;
  for (const pkg of BUNDLED) {
    if (!next.includes(`'${pkg}'`) && !next.includes(`"${pkg}"`)) continue;
    let rel = relative(dirname(file), join(vendor, `${pkg}.mjs`)).split(sep).join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    next = next.replace(new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(\\s*)(['"])${pkg}\\2`, 'g'), `$1'${rel}'`);
    if (new RegExp(`(\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\brequire\\s*\\(\\s*)(['"])${pkg}(/[^'"]*)?\\2`).test(next)) left.push(`${relative(root, file)} (${pkg})`);
  }
  if (next !== text) writeFileSync(file, next);
}
if (left.length > 0) {
  console.error(`error: the build still imports a bundled package directly: ${left.join(', ')}`);
  process.exit(1);
}
