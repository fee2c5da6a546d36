// Many workers, each with its own instance of the package: a thousand calls
// spread over eight workers agree with the main thread's answers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { answer, usableWork } from './fixtures/price-worker.js';

const WORKERS = 8;
const CALLS = 1000;

function runWorker(calls) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./fixtures/price-worker.js', import.meta.url), { workerData: { calls } });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
}

test('1000 calls over 8 workers agree with one thread', async () => {
  const work = usableWork();
  assert.ok(work.length > 50);
  const single = Array.from({ length: CALLS }, (_, i) => answer(...work[i % work.length]));
  for (const [rules] of work) rules.close();

  const shares = Array.from({ length: WORKERS }, (_, w) =>
    Array.from({ length: CALLS }, (_, i) => i).filter((i) => i % WORKERS === w),
  );
  const results = (await Promise.all(shares.map(runWorker))).flat();
  assert.equal(results.length, CALLS);
  const mismatches = results.filter(([i, doc]) => doc !== single[i]).map(([i]) => i);
  assert.deepEqual(mismatches, []);
});

test('workers come and go without disturbing the main thread', async () => {
  const work = usableWork();
  const want = answer(...work[0]);
  for (let round = 0; round < 3; round++) {
    await Promise.all([runWorker([0, 1, 2]), runWorker([3, 4, 5])]);
    assert.equal(answer(...work[0]), want);
  }
  for (const [rules] of work) rules.close();
});
