import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dotnetRuntimeDeps, runtimeDepsDockerfile, runtimeDepsEnv } from '../../src/base-images/dotnet-runtime-deps.ts';
import { ROOTFS_PACKAGES } from '../../src/base-images/rootfs.ts';
import { recipeNames } from '../../src/base-images/index.ts';

test('runtime-deps has the official environment and no dotnet anywhere in it', () => {
  const env = runtimeDepsEnv();
  assert.equal(env.APP_UID, '1654');
  assert.equal(env.ASPNETCORE_HTTP_PORTS, '8080');
  assert.equal(env.DOTNET_RUNNING_IN_CONTAINER, 'true');
  assert.equal(env.DOTNET_VERSION, undefined);
  assert.ok(!Object.values(env).some((v) => v.includes('dotnet')), 'PATH has no dotnet folder');
});

test('runtime-deps is the shared Debian rootfs layer plus the deps layer; the rootfs carries the runtime-deps packages', () => {
  const df = runtimeDepsDockerfile();
  assert.deepEqual(df.split('\n').filter((l) => /^(FROM|ADD)/.test(l)), ['FROM scratch', 'ADD rootfs.tar /', 'ADD deps.tar /']);
  assert.match(df, /APP_UID=1654/);
  assert.doesNotMatch(df, /runtime\.tar|sdk\.tar/);
  for (const p of ['ca-certificates', 'libgcc-s1', 'libssl3', 'libstdc++6', 'tzdata']) assert.ok(ROOTFS_PACKAGES.includes(p as never), p);
  assert.ok(ROOTFS_PACKAGES.some((p) => p.startsWith('libicu')));
});

test('the recipe is known by name (listed in messages, buildable with --base-image IMAGE=dotnet-runtime-deps)', () => {
  assert.equal(dotnetRuntimeDeps.name, 'dotnet-runtime-deps');
  const names = recipeNames();
  for (const n of ['busybox', 'dotnet-sdk', 'dotnet-aspnet', 'dotnet-runtime-deps']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
});
