/**
 * The host's .NET install, asked once per process: its SDKs and runtimes (through
 * `dotnet --list-*`), the selection the images are made of, and its host/fxr version.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { run } from '../proc.ts';
import { CachebenchError } from '../errors.ts';
import {
  DOTNET_CHANNEL,
  compareVersions,
  parseListRuntimes,
  parseListSdks,
  selectDotnet,
  type DotnetFlavor,
  type DotnetSelection,
  type ListedRuntime,
  type ListedSdk,
} from './dotnet-select.ts';

let hostDotnet: Promise<{ sdks: ListedSdk[]; runtimes: ListedRuntime[] }> | undefined;

async function listHostDotnet(): Promise<{ sdks: ListedSdk[]; runtimes: ListedRuntime[] }> {
  hostDotnet ??= (async () => {
    const env = { DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' };
    const hint = 'install the .NET SDK on the host: the .NET base images are made from it';
    const sdks = await run('dotnet', ['--list-sdks'], { env, what: 'dotnet --list-sdks', hint });
    const runtimes = await run('dotnet', ['--list-runtimes'], { env, what: 'dotnet --list-runtimes', hint });
    return { sdks: parseListSdks(sdks.stdout), runtimes: parseListRuntimes(runtimes.stdout) };
  })();
  try {
    return await hostDotnet;
  } catch (err) {
    hostDotnet = undefined;
    throw err;
  }
}

/** The host's SDK (for the sdk flavor) and runtimes of DOTNET_CHANNEL. */
export async function selectHostDotnet(flavor: DotnetFlavor): Promise<DotnetSelection> {
  const { sdks, runtimes } = await listHostDotnet();
  return selectDotnet(DOTNET_CHANNEL, sdks, runtimes, flavor === 'sdk');
}

/** host/fxr/<v>: the one matching the runtime if present, else the newest. */
export function fxrVersion(sel: DotnetSelection): string {
  const dir = path.join(sel.root, 'host', 'fxr');
  const versions = existsSync(dir) ? readdirSync(dir) : [];
  if (versions.includes(sel.netcoreVersion)) return sel.netcoreVersion;
  const best = [...versions].sort((a, b) => compareVersions(b, a))[0];
  if (!best) throw new CachebenchError(`the host's .NET install has no ${dir}/<version>`, { hint: 'repair or reinstall the .NET SDK' });
  return best;
}
