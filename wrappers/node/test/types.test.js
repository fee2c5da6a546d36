// The TypeScript declarations (index.d.ts) and what the npm tarball holds.
//
// test/types/good.ts must type-check under `tsc --strict --noEmit`, and
// test/types/misspelt.ts must fail on exactly its lines marked "@error",
// with the TypeScript of package-lock.json (a devDependency, installed by
// npm ci) and no @types/node anywhere: the package is imported by name
// from a temporary folder, as a user's project would, with the compiler's
// default target and libraries and with a modern ESM configuration.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSC = path.join(PACKAGE_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
const FIXTURES = path.join(PACKAGE_DIR, 'test', 'types');
const CONFIGS = {
  'compiler defaults': [],
  'ESM, ES2022': ['--module', 'nodenext', '--target', 'es2022', '--lib', 'es2022'],
};

/** A user's project: node_modules/libecommerce is this package. */
function project() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ecommerce-tsc-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(PACKAGE_DIR, path.join(dir, 'node_modules', 'libecommerce'), 'dir');
  for (const f of ['good.ts', 'misspelt.ts']) copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  return dir;
}

function tsc(dir, file, flags) {
  return spawnSync(process.execPath, [TSC, '--strict', '--noEmit', '--pretty', 'false', ...flags, file], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120000,
  });
}

test('typescript is installed from the lock, without @types/node', () => {
  assert.ok(existsSync(TSC), `${TSC} is missing: run npm ci in wrappers/node`);
  const lock = JSON.parse(readFileSync(path.join(PACKAGE_DIR, 'package-lock.json'), 'utf8'));
  assert.ok(lock.packages['node_modules/typescript'], 'typescript is locked');
  assert.ok(!Object.keys(lock.packages).some((p) => p.includes('@types/')), 'no @types package is locked');
});

for (const [name, flags] of Object.entries(CONFIGS)) {
  test(`good.ts type-checks (${name})`, () => {
    const dir = project();
    try {
      const r = tsc(dir, 'good.ts', flags);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`misspelt.ts fails on each marked line, and only there (${name})`, () => {
    const dir = project();
    try {
      const r = tsc(dir, 'misspelt.ts', flags);
      assert.notEqual(r.status, 0, 'tsc accepted misspelt.ts');
      const failed = new Set([...r.stdout.matchAll(/^misspelt\.ts\((\d+),\d+\): error TS/gm)].map((m) => Number(m[1])));
      const marked = new Set(
        readFileSync(path.join(FIXTURES, 'misspelt.ts'), 'utf8')
          .split('\n')
          .flatMap((line, i) => (line.includes('// @error') ? [i + 1] : [])),
      );
      assert.ok(marked.size >= 10, 'the fixture marks its lines');
      assert.deepEqual([...failed].sort((a, b) => a - b), [...marked].sort((a, b) => a - b), r.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('the npm tarball holds the code, the declarations, README and LICENSE', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
    timeout: 120000,
  });
  assert.equal(r.status, 0, r.stderr);
  const files = JSON.parse(r.stdout)[0].files.map((f) => f.path);
  for (const need of ['LICENSE', 'README.md', 'package.json', 'index.js', 'index.d.ts', 'lib/native.js']) {
    assert.ok(files.includes(need), `${need} is not in the tarball: ${files.join(', ')}`);
  }
  assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('node_modules/')), files.join(', '));
  const repoLicense = readFileSync(path.join(PACKAGE_DIR, '..', '..', 'LICENSE'));
  assert.deepEqual(readFileSync(path.join(PACKAGE_DIR, 'LICENSE')), repoLicense, 'LICENSE is the project\'s');
});
