/**
 * Which .NET the local images are made of: the host's `dotnet --list-sdks` and
 * `--list-runtimes` read, versions ordered, and the newest SDK and runtimes of the channel
 * picked. Pure.
 */
import path from 'node:path';
import { CachebenchError } from '../errors.ts';

/** The release line the images stand for (sdk:10.0 / aspnet:10.0). */
export const DOTNET_CHANNEL = '10.0';

export type DotnetFlavor = 'aspnet' | 'sdk';

export interface ListedSdk {
  version: string;
  /** The `sdk` folder, e.g. /usr/share/dotnet/sdk. */
  dir: string;
}

export interface ListedRuntime {
  name: string;
  version: string;
  /** The framework folder, e.g. /usr/share/dotnet/shared/Microsoft.NETCore.App. */
  dir: string;
}

/** `dotnet --list-sdks`: lines like `10.0.401 [/usr/share/dotnet/sdk]`. */
export function parseListSdks(out: string): ListedSdk[] {
  const sdks: ListedSdk[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+\.\d+\.\d+\S*)\s+\[(.+)\]\s*$/.exec(line);
    if (m?.[1] && m[2]) sdks.push({ version: m[1], dir: m[2] });
  }
  return sdks;
}

/** `dotnet --list-runtimes`: lines like `Microsoft.NETCore.App 10.0.12 [/usr/share/dotnet/shared/Microsoft.NETCore.App]`. */
export function parseListRuntimes(out: string): ListedRuntime[] {
  const runtimes: ListedRuntime[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s+(\d+\.\d+\.\d+\S*)\s+\[(.+)\]\s*$/.exec(line);
    if (m?.[1] && m[2] && m[3]) runtimes.push({ name: m[1], version: m[2], dir: m[3] });
  }
  return runtimes;
}

/** Semantic-version order: numeric core, a release sorts after its prereleases. */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = splitPre(a);
  const [coreB = '', preB] = splitPre(b);
  const ca = coreA.split('.').map(Number);
  const cb = coreB.split('.').map(Number);
  for (let i = 0; i < Math.max(ca.length, cb.length); i++) {
    const d = (ca[i] ?? 0) - (cb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  return comparePrerelease(preA, preB);
}

/** Prerelease identifiers compared one by one: numbers numerically and before words. */
function comparePrerelease(preA: string, preB: string): number {
  const pa = preA.split('.');
  const pb = preB.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Math.sign(Number(x) - Number(y));
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function splitPre(v: string): [string, string | undefined] {
  const i = v.indexOf('-');
  return i < 0 ? [v, undefined] : [v.slice(0, i), v.slice(i + 1)];
}

function inChannel(version: string, channel: string): boolean {
  return version === channel || version.startsWith(`${channel}.`);
}

function newest<T extends { version: string }>(items: T[]): T | undefined {
  return [...items].sort((a, b) => compareVersions(b.version, a.version))[0];
}

export interface DotnetSelection {
  /** The dotnet root on the host (the folder holding the `dotnet` executable). */
  root: string;
  sdkVersion: string | undefined;
  netcoreVersion: string;
  aspnetVersion: string;
}

/**
 * The newest SDK and the newest Microsoft.NETCore.App / Microsoft.AspNetCore.App of
 * `channel` (e.g. "10.0"). `needSdk` false allows a host with runtimes only.
 */
export function selectDotnet(channel: string, sdks: ListedSdk[], runtimes: ListedRuntime[], needSdk: boolean): DotnetSelection {
  const sdk = newest(sdks.filter((s) => inChannel(s.version, channel)));
  const pick = (name: string) => newest(runtimes.filter((r) => r.name === name && inChannel(r.version, channel)));
  const netcore = pick('Microsoft.NETCore.App');
  const aspnet = pick('Microsoft.AspNetCore.App');
  const missing = [
    ...(needSdk && !sdk ? [`a .NET SDK ${channel}.x`] : []),
    ...(!netcore ? [`Microsoft.NETCore.App ${channel}.x`] : []),
    ...(!aspnet ? [`Microsoft.AspNetCore.App ${channel}.x`] : []),
  ];
  if (missing.length > 0 || !netcore || !aspnet) {
    throw new CachebenchError(`the host's .NET install has no ${missing.join(', ')}`, {
      exitCode: 2,
      hint: `the .NET base images are made from the host's own .NET ${channel}; install the .NET ${channel} SDK (check \`dotnet --list-sdks\` and \`dotnet --list-runtimes\`)`,
    });
  }
  // <root>/shared/Microsoft.NETCore.App → <root>
  const root = path.dirname(path.dirname(netcore.dir));
  return { root, sdkVersion: sdk?.version, netcoreVersion: netcore.version, aspnetVersion: aspnet.version };
}
