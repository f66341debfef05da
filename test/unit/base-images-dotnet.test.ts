import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addAppUser, normalizeShadow } from '../../src/base-images/accounts.ts';
import { debootstrapArgs } from '../../src/base-images/debootstrap.ts';
import { dotnetLayerMembers, dotnetTarArgs, hostNugetEnv, imageEnv, renderDockerfile } from '../../src/base-images/dotnet-layers.ts';
import { compareVersions, parseListRuntimes, parseListSdks, selectDotnet } from '../../src/base-images/dotnet-select.ts';
import { fingerprint } from '../../src/base-images/rootfs.ts';
import { CachebenchError } from '../../src/errors.ts';

const SDKS = `8.0.414 [/usr/share/dotnet/sdk]
10.0.100-rc.2.25502.107 [/usr/share/dotnet/sdk]
10.0.401 [/usr/share/dotnet/sdk]
10.0.103 [/usr/share/dotnet/sdk]
`;

const RUNTIMES = `Microsoft.AspNetCore.App 8.0.20 [/usr/share/dotnet/shared/Microsoft.AspNetCore.App]
Microsoft.AspNetCore.App 10.0.12 [/usr/share/dotnet/shared/Microsoft.AspNetCore.App]
Microsoft.NETCore.App 8.0.20 [/usr/share/dotnet/shared/Microsoft.NETCore.App]
Microsoft.NETCore.App 10.0.3 [/usr/share/dotnet/shared/Microsoft.NETCore.App]
Microsoft.NETCore.App 10.0.12 [/usr/share/dotnet/shared/Microsoft.NETCore.App]
`;

test('parseListSdks reads version and folder, skipping noise', () => {
  const sdks = parseListSdks(`${SDKS}\nsome warning line\n`);
  assert.equal(sdks.length, 4);
  assert.deepEqual(sdks[0], { version: '8.0.414', dir: '/usr/share/dotnet/sdk' });
  assert.equal(sdks[1]?.version, '10.0.100-rc.2.25502.107');
  assert.deepEqual(parseListSdks(''), []);
});

test('parseListSdks keeps folders with spaces', () => {
  assert.deepEqual(parseListSdks('10.0.401 [/opt/my dotnet/sdk]\r'), [{ version: '10.0.401', dir: '/opt/my dotnet/sdk' }]);
});

test('parseListRuntimes reads name, version and folder', () => {
  const rts = parseListRuntimes(RUNTIMES);
  assert.equal(rts.length, 5);
  assert.deepEqual(rts[1], { name: 'Microsoft.AspNetCore.App', version: '10.0.12', dir: '/usr/share/dotnet/shared/Microsoft.AspNetCore.App' });
});

test('compareVersions orders numerically and puts prereleases before the release', () => {
  assert.equal(compareVersions('10.0.12', '10.0.3'), 1);
  assert.equal(compareVersions('10.0.3', '10.0.12'), -1);
  assert.equal(compareVersions('10.0.12', '10.0.12'), 0);
  assert.equal(compareVersions('10.0.100-rc.2.25502.107', '10.0.100'), -1);
  assert.equal(compareVersions('10.0.100-rc.2.1', '10.0.100-rc.10.1'), -1);
  assert.equal(compareVersions('10.0.100-preview.7', '10.0.100-rc.1'), -1);
  const sorted = ['10.0.401', '8.0.414', '10.0.103', '10.0.100-rc.2.25502.107'].sort(compareVersions);
  assert.deepEqual(sorted, ['8.0.414', '10.0.100-rc.2.25502.107', '10.0.103', '10.0.401']);
});

test('selectDotnet picks the newest SDK and runtimes of the channel', () => {
  const sel = selectDotnet('10.0', parseListSdks(SDKS), parseListRuntimes(RUNTIMES), true);
  assert.deepEqual(sel, { root: '/usr/share/dotnet', sdkVersion: '10.0.401', netcoreVersion: '10.0.12', aspnetVersion: '10.0.12' });
  const eight = selectDotnet('8.0', parseListSdks(SDKS), parseListRuntimes(RUNTIMES), true);
  assert.equal(eight.sdkVersion, '8.0.414');
  assert.equal(eight.netcoreVersion, '8.0.20');
});

test('selectDotnet does not take 10.0.x for channel 1.0', () => {
  const rts = parseListRuntimes('Microsoft.NETCore.App 10.0.12 [/d/shared/Microsoft.NETCore.App]\nMicrosoft.AspNetCore.App 1.0.5 [/d/shared/Microsoft.AspNetCore.App]');
  assert.throws(() => selectDotnet('1.0', [], rts, false), /Microsoft\.NETCore\.App 1\.0\.x/);
});

test('selectDotnet names what is missing', () => {
  assert.throws(
    () => selectDotnet('10.0', [], parseListRuntimes(RUNTIMES), true),
    (e: unknown) => e instanceof CachebenchError && /no a \.NET SDK 10\.0\.x/.test(e.message) && e.exitCode === 2,
  );
  assert.throws(() => selectDotnet('9.0', parseListSdks(SDKS), parseListRuntimes(RUNTIMES), false), /Microsoft\.NETCore\.App 9\.0\.x, Microsoft\.AspNetCore\.App 9\.0\.x/);
  // A runtime-only host is enough for the aspnet image.
  const rt = selectDotnet('10.0', [], parseListRuntimes(RUNTIMES), false);
  assert.equal(rt.sdkVersion, undefined);
  assert.equal(rt.aspnetVersion, '10.0.12');
});

test('selectDotnet takes the root from the runtime folder', () => {
  const sel = selectDotnet('10.0', [], parseListRuntimes('Microsoft.NETCore.App 10.0.1 [/root/.dotnet/shared/Microsoft.NETCore.App]\nMicrosoft.AspNetCore.App 10.0.1 [/root/.dotnet/shared/Microsoft.AspNetCore.App]'), false);
  assert.equal(sel.root, '/root/.dotnet');
});

const SEL = { root: '/usr/share/dotnet', sdkVersion: '10.0.401', netcoreVersion: '10.0.12', aspnetVersion: '10.0.11' };

test('dotnetLayerMembers: the runtime layer has the host, fxr and both shared frameworks only', () => {
  const m = dotnetLayerMembers('runtime', SEL, '10.0.12');
  assert.ok(m.dirs.includes('.'));
  assert.deepEqual(m.trees, ['LICENSE.txt', 'ThirdPartyNotices.txt', 'dotnet', 'host/fxr/10.0.12', 'shared/Microsoft.AspNetCore.App/10.0.11', 'shared/Microsoft.NETCore.App/10.0.12']);
  // Every parent of a tree is a directory entry, so no folder takes the build's time.
  for (const t of m.trees) {
    const parent = t.includes('/') ? t.slice(0, t.lastIndexOf('/')) : '.';
    assert.ok(m.dirs.includes(parent), `${parent} is an entry`);
  }
});

test('dotnetLayerMembers: the sdk layer has the SDK and no NuGet package folders', () => {
  const m = dotnetLayerMembers('sdk', SEL, '10.0.12');
  assert.deepEqual(m.trees, ['dnx', 'packs', 'sdk-manifests', 'sdk/10.0.401', 'templates']);
  assert.ok(!m.trees.some((t) => /nuget|shared|host/i.test(t)));
  assert.throws(() => dotnetLayerMembers('sdk', { ...SEL, sdkVersion: undefined }, '10.0.12'));
});

test('dotnetTarArgs: fixed owners, times and order; names moved under usr/share/dotnet', () => {
  const args = dotnetTarArgs('/ctx/runtime.tar', '/opt/dotnet', ['.', 'host'], ['dotnet', 'host/fxr/1']);
  for (const a of ['--numeric-owner', '--owner=0', '--group=0', '--mtime=@0', '--sort=name']) assert.ok(args.includes(a), a);
  assert.ok(args.includes('--transform=s,^,usr/share/dotnet/,rSh'));
  assert.deepEqual(args.slice(args.indexOf('-C'), args.indexOf('-C') + 2), ['-C', '/opt/dotnet']);
  assert.deepEqual(args.slice(args.indexOf('--no-recursion')), ['--no-recursion', '.', 'host', '--recursion', 'dotnet', 'host/fxr/1']);
});

test('imageEnv: aspnet like the official image, sdk adds its own', () => {
  const a = imageEnv('aspnet', SEL);
  assert.equal(a.APP_UID, '1654');
  assert.equal(a.ASPNETCORE_HTTP_PORTS, '8080');
  assert.equal(a.DOTNET_RUNNING_IN_CONTAINER, 'true');
  assert.equal(a.DOTNET_VERSION, '10.0.12');
  assert.equal(a.ASPNET_VERSION, '10.0.11');
  assert.equal(a.DOTNET_SDK_VERSION, undefined);
  const s = imageEnv('sdk', SEL);
  assert.equal(s.DOTNET_SDK_VERSION, '10.0.401');
  assert.equal(s.DOTNET_GENERATE_ASPNET_CERTIFICATE, 'false');
  assert.equal(s.DOTNET_NOLOGO, 'true');
  assert.equal(s.DOTNET_USE_POLLING_FILE_WATCHER, 'true');
  assert.equal(s.NUGET_XMLDOC_MODE, 'skip');
  assert.equal(s.DOTNET_CLI_TELEMETRY_OPTOUT, '1');
  assert.equal(s.DOTNET_SKIP_FIRST_TIME_EXPERIENCE, '1');
  assert.match(s.PATH ?? '', /(^|:)\/usr\/bin(:|$)/);
  assert.match(s.PATH ?? '', /:\/usr\/share\/dotnet$/);
});

test('renderDockerfile: FROM scratch, one ADD per layer in order, one ENV', () => {
  const df = renderDockerfile(
    [
      { file: 'rootfs.tar', dest: '/' },
      { file: 'sdk.tar', dest: '/' },
    ],
    { A: '1', B: 'two words' },
  );
  const lines = df.split('\n');
  assert.equal(lines[0], 'FROM scratch');
  assert.equal(lines[1], 'ADD rootfs.tar /');
  assert.equal(lines[2], 'ADD sdk.tar /');
  assert.equal(df.match(/^ENV /gm)?.length, 1);
  assert.match(df, /A=1 \\\n {4}B="two words"/);
  assert.ok(!/^# syntax=/m.test(df));
});

test('addAppUser adds uid/gid 1654 once', () => {
  const files = { passwd: 'root:x:0:0:root:/root:/bin/bash\n', group: 'root:x:0:', shadow: 'root:*::0:99999:7:::\n', gshadow: undefined };
  const out = addAppUser(files);
  assert.equal(out.passwd, 'root:x:0:0:root:/root:/bin/bash\napp:x:1654:1654::/home/app:/bin/sh\n');
  assert.equal(out.group, 'root:x:0:\napp:x:1654:\n');
  assert.match(out.shadow ?? '', /\napp:!::/);
  assert.equal(out.gshadow, undefined);
  assert.deepEqual(addAppUser(out), out);
});

test('normalizeShadow clears the last-change day only', () => {
  assert.equal(normalizeShadow('root:*:20228:0:99999:7:::\n_apt:*:20228:0:99999:7:::\n'), 'root:*::0:99999:7:::\n_apt:*::0:99999:7:::\n');
  assert.equal(normalizeShadow('garbage\n'), 'garbage\n');
});

test('debootstrapArgs and fingerprint', () => {
  assert.deepEqual(debootstrapArgs('bookworm', ['a', 'b'], '/t', 'http://mirror.example/debian'), ['--variant=minbase', '--include=a,b', 'bookworm', '/t', 'http://mirror.example/debian']);
  const f = fingerprint('http://mirror.example/debian');
  assert.match(f, /^[0-9a-f]{12}$/);
  assert.ok(!f.includes('mirror'));
});

test('hostNugetEnv carries a valid NUGET_CERT_REVOCATION_MODE only, into the sdk env', () => {
  assert.deepEqual(hostNugetEnv({ NUGET_CERT_REVOCATION_MODE: 'offline' }), { NUGET_CERT_REVOCATION_MODE: 'offline' });
  assert.deepEqual(hostNugetEnv({ NUGET_CERT_REVOCATION_MODE: ' Online ' }), { NUGET_CERT_REVOCATION_MODE: 'online' });
  assert.deepEqual(hostNugetEnv({ NUGET_CERT_REVOCATION_MODE: 'bogus' }), {});
  assert.deepEqual(hostNugetEnv({}), {});
  assert.equal(imageEnv('sdk', SEL, { NUGET_CERT_REVOCATION_MODE: 'offline' }).NUGET_CERT_REVOCATION_MODE, 'offline');
  assert.equal(imageEnv('aspnet', SEL, { NUGET_CERT_REVOCATION_MODE: 'offline' }).NUGET_CERT_REVOCATION_MODE, undefined);
});
