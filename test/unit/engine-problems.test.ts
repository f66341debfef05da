import { test } from 'node:test';
import assert from 'node:assert/strict';
import { problems, type EngineInfo } from '../../src/engine/index.ts';

const ready: EngineInfo = {
  kind: 'system',
  dockerVersion: '28.5.2',
  buildxVersion: '0.29.1',
  containerdVersion: '2.1.9',
  containerdStore: true,
  cacheBackends: ['inline', 'local', 'registry'],
  registry: '127.0.0.1:5765',
  registryReady: true,
};

test('a ready engine has no problems', () => {
  assert.deepEqual(problems(ready), []);
});

test('missing pieces are diagnosed, each with its fix', () => {
  const p = problems({ ...ready, buildxVersion: '0.13.1', containerdStore: false, cacheBackends: ['inline'], registryReady: false });
  assert.equal(p.length, 3);
  assert.match(p[0]?.what ?? '', /buildx 0\.13\.1 is too old \(needs >= 0\.19/);
  assert.match(p[0]?.fix ?? '', /upgrade docker-buildx|embedded engine/);
  assert.match(p[1]?.what ?? '', /containerd image store is off/);
  assert.match(p[1]?.fix ?? '', /containerd-snapshotter/);
  assert.match(p[2]?.what ?? '', /no registry answers on 127\.0\.0\.1:5765/);
});
