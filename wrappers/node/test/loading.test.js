// Finding the library: the environment variable, the build tree, and clear
// errors when it is missing or is not libecommerce.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { ENV_VAR, InvalidInputError, libraryPath } from '../index.js';
import { errorClass } from '../lib/errors.js';
import { api } from '../lib/native.js';
import { PACKAGE_DIR, REPO, tempDir } from './support.js';

const INDEX = pathToFileURL(path.join(PACKAGE_DIR, 'index.js')).href;
const PROBE = `const m = await import(${JSON.stringify(INDEX)}); console.log(m.libraryPath()); console.log(m.libraryVersion());`;
const BUILD = path.join(REPO, 'build', 'lib', 'libecommerce.so.0');

function probe(envChanges, cwd = undefined) {
  const env = { ...process.env };
  for (const [k, v] of Object.entries(envChanges)) {
    if (v === null) delete env[k];
    else env[k] = v;
  }
  return spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { env, cwd, encoding: 'utf8', timeout: 60000 });
}

test('the environment variable wins', () => {
  const r = probe({ [ENV_VAR]: libraryPath() });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.split('\n')[0], libraryPath());
});

test('the build tree is found from any working directory', (t) => {
  if (!existsSync(BUILD)) return t.skip('library given by ECOMMERCE_LIBRARY, no build tree');
  const { dir, cleanup } = tempDir();
  try {
    const r = probe({ [ENV_VAR]: null }, dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], BUILD);
  } finally {
    cleanup();
  }
});

test('a missing library is a clear error', () => {
  const r = probe({ [ENV_VAR]: '/nonexistent/libecommerce.so.0' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /LibraryNotFoundError/);
  assert.match(r.stderr, /ECOMMERCE_LIBRARY/);
  assert.match(r.stderr, /\/nonexistent\/libecommerce\.so\.0/);
});

test('another library is refused', () => {
  const r = probe({ [ENV_VAR]: 'libc.so.6' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /ec_version_string/);
});

test('status names come from the library, each in its family', () => {
  assert.equal(api.statusName(24), 'method_not_allowed');
  assert.equal(errorClass('method_not_allowed'), InvalidInputError);
});
