import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMapping, officialDotnetImage, parseDotnetTag, splitImageRef } from '../../src/base-images/official-dotnet.ts';

const DIGEST = `sha256:${'ab12'.repeat(16)}`;

test('every tag shape real services use maps by flavour: sdk → dotnet-sdk, aspnet/runtime → dotnet-aspnet, runtime-deps → dotnet-runtime-deps', () => {
  const table: Array<[string, string]> = [
    ['mcr.microsoft.com/dotnet/sdk:10.0', 'dotnet-sdk'],
    ['mcr.microsoft.com/dotnet/sdk:10.0.100', 'dotnet-sdk'],
    ['mcr.microsoft.com/dotnet/sdk:10.0-noble', 'dotnet-sdk'],
    ['mcr.microsoft.com/dotnet/sdk:10.0.100-noble', 'dotnet-sdk'],
    [`mcr.microsoft.com/dotnet/sdk:10.0.100-noble@${DIGEST}`, 'dotnet-sdk'],
    ['mcr.microsoft.com/dotnet/sdk:8.0', 'dotnet-sdk'],
    ['mcr.microsoft.com/dotnet/sdk', 'dotnet-sdk'],
    ['mcr.microsoft.com/dotnet/aspnet:10.0', 'dotnet-aspnet'],
    ['mcr.microsoft.com/dotnet/aspnet:10.0-bookworm-slim', 'dotnet-aspnet'],
    ['mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-extra', 'dotnet-aspnet'],
    [`mcr.microsoft.com/dotnet/aspnet@${DIGEST}`, 'dotnet-aspnet'],
    ['mcr.microsoft.com/dotnet/runtime:10.0', 'dotnet-aspnet'],
    ['mcr.microsoft.com/dotnet/runtime:10.0-alpine', 'dotnet-aspnet'],
    ['mcr.microsoft.com/dotnet/runtime-deps:10.0', 'dotnet-runtime-deps'],
    ['mcr.microsoft.com/dotnet/runtime-deps:10.0.0-noble-chiseled', 'dotnet-runtime-deps'],
    [`mcr.microsoft.com/dotnet/runtime-deps:10.0.0-noble-chiseled@${DIGEST}`, 'dotnet-runtime-deps'],
    ['mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled-extra', 'dotnet-runtime-deps'],
    ['mcr.microsoft.com/dotnet/runtime-deps:8.0-alpine', 'dotnet-runtime-deps'],
    ['mcr.microsoft.com/dotnet/nightly/sdk:10.0-preview', 'dotnet-sdk'],
  ];
  for (const [image, recipe] of table) assert.equal(officialDotnetImage(image)?.recipe, recipe, image);
});

test('images that are not official .NET images are not mapped', () => {
  for (const image of [
    'busybox:1.36',
    'mcr.microsoft.com/dotnet/monitor:8',
    'mcr.microsoft.com/dotnet/samples:aspnetapp',
    'mcr.microsoft.com/dotnet/sdk/extra:10.0',
    'mcr.microsoft.com/mssql/server:2022-latest',
    'docker.io/dotnet/sdk:10.0',
    'example.com/mcr.microsoft.com/dotnet/sdk:10.0',
    '127.0.0.1:5765/cachebench/base/dotnet-sdk:abc',
    '',
  ]) {
    assert.equal(officialDotnetImage(image), undefined, image);
  }
});

test('what differs from the image is said: another .NET channel, a non-Debian OS family', () => {
  assert.deepEqual(officialDotnetImage('mcr.microsoft.com/dotnet/sdk:10.0.100-noble')?.differences, []);
  assert.deepEqual(officialDotnetImage('mcr.microsoft.com/dotnet/runtime-deps:10.0.0-noble-chiseled')?.differences, []);
  assert.deepEqual(officialDotnetImage('mcr.microsoft.com/dotnet/sdk:8.0')?.differences, ['the recipe is .NET 10.0, the image .NET 8.0']);
  assert.deepEqual(officialDotnetImage('mcr.microsoft.com/dotnet/aspnet:10.0-alpine')?.differences, ['the recipe is Debian (glibc, apt), the image Alpine (musl, apk)']);
  assert.equal(officialDotnetImage('mcr.microsoft.com/dotnet/aspnet:9.0-azurelinux3.0-distroless')?.differences.length, 2);
  const m = officialDotnetImage('mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled');
  assert.ok(m);
  assert.equal(describeMapping(m), 'base image mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled → local recipe dotnet-runtime-deps (no registry access; closest equivalent)');
  const old = officialDotnetImage('mcr.microsoft.com/dotnet/sdk:8.0');
  assert.ok(old);
  assert.match(describeMapping(old), /\(no registry access; closest equivalent; the recipe is \.NET 10\.0, the image \.NET 8\.0\)$/);
});

test('tags split into channel and variant', () => {
  assert.deepEqual(parseDotnetTag('10.0'), { channel: '10.0' });
  assert.deepEqual(parseDotnetTag('10.0.100-noble'), { channel: '10.0', variant: 'noble' });
  assert.deepEqual(parseDotnetTag('10.0.0-noble-chiseled-extra'), { channel: '10.0', variant: 'noble-chiseled-extra' });
  assert.deepEqual(parseDotnetTag('10.0.100-preview.7-bookworm-slim'), { channel: '10.0', variant: 'bookworm-slim' });
  assert.deepEqual(parseDotnetTag('latest'), {});
  assert.deepEqual(parseDotnetTag(undefined), {});
  assert.deepEqual(parseDotnetTag('lts'), { variant: 'lts' });
});

test('image refs split like the distribution reference grammar', () => {
  assert.deepEqual(splitImageRef('busybox'), { host: '', repository: 'busybox' });
  assert.deepEqual(splitImageRef('me/app:1'), { host: '', repository: 'me/app', tag: '1' });
  assert.deepEqual(splitImageRef('127.0.0.1:5765/a/b:t'), { host: '127.0.0.1:5765', repository: 'a/b', tag: 't' });
  assert.deepEqual(splitImageRef(`localhost/a@${DIGEST}`), { host: 'localhost', repository: 'a', digest: DIGEST });
  assert.deepEqual(splitImageRef(`mcr.microsoft.com/dotnet/sdk:10.0@${DIGEST}`), { host: 'mcr.microsoft.com', repository: 'dotnet/sdk', tag: '10.0', digest: DIGEST });
});
