import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argDefault, useOfficialImages } from '../../src/base-images/policy.ts';
import type { Engine } from '../../src/engine/index.ts';

const engine = (kind: 'embedded' | 'system') => ({ kind, env: {}, registry: '127.0.0.1:5765', startedHere: false, dockerBin: 'docker' }) as Engine;

test('argDefault reads a Dockerfile ARG default', () => {
  const df = 'ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0\nARG  QUOTED="x:1"\nFROM ${SDK_IMAGE}\n';
  assert.equal(argDefault(df, 'SDK_IMAGE'), 'mcr.microsoft.com/dotnet/sdk:10.0');
  assert.equal(argDefault(df, 'QUOTED'), 'x:1');
  assert.equal(argDefault(df, 'MISSING'), undefined);
});

test('official images on a system engine, local recipes on the embedded one, overridable', () => {
  const saved = process.env.CACHEBENCH_BASE_IMAGES;
  try {
    delete process.env.CACHEBENCH_BASE_IMAGES;
    assert.equal(useOfficialImages(engine('system')), true);
    assert.equal(useOfficialImages(engine('embedded')), false);
    process.env.CACHEBENCH_BASE_IMAGES = 'local';
    assert.equal(useOfficialImages(engine('system')), false);
    process.env.CACHEBENCH_BASE_IMAGES = 'official';
    assert.equal(useOfficialImages(engine('embedded')), true);
    process.env.CACHEBENCH_BASE_IMAGES = 'maybe';
    assert.throws(() => useOfficialImages(engine('system')), /CACHEBENCH_BASE_IMAGES=maybe is not valid/);
  } finally {
    if (saved === undefined) delete process.env.CACHEBENCH_BASE_IMAGES;
    else process.env.CACHEBENCH_BASE_IMAGES = saved;
  }
});
