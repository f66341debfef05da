import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverDebianMirror, versionAtLeast } from '../../src/engine/provision.ts';
import { mountsUnder, DAEMON_JSON } from '../../src/engine/embedded.ts';
import { parseSourceList, writeSources } from '../../src/target/nuget-sources.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers/temp-dir.ts';

test('the Debian mirror is read from deb822 and one-line sources, skipping security', () => {
  const deb822 = 'Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n';
  assert.equal(discoverDebianMirror([deb822]), 'http://mirror.example/debian');
  assert.equal(discoverDebianMirror(['deb [arch=amd64] http://m.example/debian/ bookworm main\n']), 'http://m.example/debian');
  assert.equal(discoverDebianMirror(['deb http://m.example/debian-security bookworm-security main\n']), undefined);
  assert.equal(discoverDebianMirror([]), undefined);
});

test('versionAtLeast', () => {
  assert.ok(versionAtLeast('0.29.1', '0.19'));
  assert.ok(!versionAtLeast('0.13.1', '0.19'));
  assert.ok(versionAtLeast('28.5.2+dfsg4', '25.0'));
  assert.ok(!versionAtLeast('20.10.24', '25.0'));
});

test('mountsUnder finds nested mounts deepest first and ignores look-alike prefixes', () => {
  const mi = [
    '22 1 0:21 / / rw - ext4 /dev/vda rw',
    '30 22 0:30 / /cache/docker-data rw - ext4 /dev/vda rw',
    '31 30 0:31 / /cache/docker-data/containerd/x rw - overlay overlay rw',
    '32 22 0:32 / /cache/docker-data2 rw - ext4 /dev/vda rw',
    '33 22 0:33 / /run/cb-1/exec/netns/default rw - nsfs nsfs rw',
  ].join('\n');
  assert.deepEqual(mountsUnder(['/cache/docker-data', '/run/cb-1'], mi), ['/cache/docker-data/containerd/x', '/run/cb-1/exec/netns/default', '/cache/docker-data']);
});

test('daemon.json: containerd image store on, and no bridge, iptables or NAT', () => {
  assert.equal(DAEMON_JSON.features['containerd-snapshotter'], true);
  assert.equal(DAEMON_JSON.bridge, 'none');
  assert.equal(DAEMON_JSON.iptables, false);
  assert.equal(DAEMON_JSON.ip6tables, false);
  assert.equal(DAEMON_JSON['ip-masq'], false);
  assert.equal(DAEMON_JSON['ip-forward'], false);
});

test('NuGet sources: enabled ones parsed from `dotnet nuget list source --format short`', () => {
  assert.deepEqual(parseSourceList('E https://feed.example/v3/index.json\nD https://off.example/v3/index.json\nE /opt/local\n'), ['https://feed.example/v3/index.json']);
});

test('NuGet sources are written after <clear /> in the clone\'s nuget.config', () => {
  const dir = tempDir('cb-nuget-');
  const f = path.join(dir, 'nuget.config');
  writeFileSync(f, '<configuration>\n  <packageSources>\n    <clear />\n  </packageSources>\n</configuration>\n');
  writeSources(f, ['https://feed.example/v3/index.json?a=1&b=2']);
  const xml = readFileSync(f, 'utf8');
  assert.match(xml, /<clear \/>\n {4}<add key="source-0" value="https:\/\/feed\.example\/v3\/index\.json\?a=1&amp;b=2" \/>/);
  assert.throws(() => writeSources(f, []), /no enabled NuGet source/);
});
