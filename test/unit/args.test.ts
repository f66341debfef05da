import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildxArgs } from '../../src/buildx/args.ts';
import { CACHE_MODES, MODE_NAMES, cacheMode } from '../../src/cache-modes.ts';
import { UsageError } from '../../src/errors.ts';

test('buildxArgs: rawjson progress, host network, no attestations, then flags, context last', () => {
  const args = buildxArgs({
    context: '/ctx',
    dockerfile: '/ctx/Dockerfile',
    buildArgs: { B: '2', A: '1' },
    tags: ['127.0.0.1:5765/app:1'],
    push: true,
    cacheFrom: ['type=registry,ref=r:c'],
    cacheTo: ['type=registry,ref=r:c2,mode=max'],
    metadataFile: '/tmp/m.json',
  });
  assert.deepEqual(args, [
    'buildx', 'build', '--progress=rawjson', '--provenance=false', '--sbom=false',
    '--file', '/ctx/Dockerfile', '--network=host',
    '--build-arg', 'A=1', '--build-arg', 'B=2',
    '--tag', '127.0.0.1:5765/app:1', '--push',
    '--cache-from', 'type=registry,ref=r:c', '--cache-to', 'type=registry,ref=r:c2,mode=max',
    '--metadata-file', '/tmp/m.json', '/ctx',
  ]);
});

test('buildxArgs: builder, target, platform, build contexts, explicit output', () => {
  const args = buildxArgs({ context: '.', builder: 'b1', target: 'final', platform: 'linux/amd64', buildContexts: { 'busybox:1.36': 'docker-image://x' }, output: 'type=image,name=x,push=true' });
  assert.deepEqual(args.slice(5), ['--builder', 'b1', '--target', 'final', '--platform', 'linux/amd64', '--network=host', '--build-context', 'busybox:1.36=docker-image://x', '--output', 'type=image,name=x,push=true', '.']);
});

test('cache modes: flags per mode', () => {
  const from = { ref: 'reg/app:cache', dir: '/c/in' };
  const to = { ref: 'reg/app:cache-new', dir: '/c/out' };
  const table: Record<string, [string[], string[]]> = {
    none: [[], []],
    local: [['type=local,src=/c/in'], ['type=local,dest=/c/out,mode=max']],
    inline: [['type=registry,ref=reg/app:cache'], ['type=inline']],
    'registry-min': [['type=registry,ref=reg/app:cache'], ['type=registry,ref=reg/app:cache-new,mode=min']],
    'registry-max': [['type=registry,ref=reg/app:cache'], ['type=registry,ref=reg/app:cache-new,mode=max']],
  };
  assert.deepEqual(MODE_NAMES, Object.keys(table));
  for (const m of CACHE_MODES) {
    const [f, t] = table[m.name] as [string[], string[]];
    assert.deepEqual(m.cacheFrom(from), f, `${m.name} from`);
    assert.deepEqual(m.cacheTo(to), t, `${m.name} to`);
  }
});

test('cache modes: which cache the builder stage', () => {
  assert.deepEqual(CACHE_MODES.filter((m) => m.cachesBuilderStage).map((m) => m.name), ['local', 'registry-max']);
});

test('an unknown cache mode is rejected with the list of valid ones', () => {
  assert.throws(() => cacheMode('registry-medium'), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /unknown cache mode "registry-medium"/);
    assert.match(err.hint ?? '', /none, local, inline, registry-min, registry-max/);
    return true;
  });
});

test('a registry mode without a ref is a programming error, not a silent no-cache build', () => {
  assert.throws(() => cacheMode('registry-max').cacheFrom({}), /needs a ref/);
});
