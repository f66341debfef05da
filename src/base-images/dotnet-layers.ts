/**
 * The dotnet layers of the local .NET images (runtime.tar, sdk.tar: the host's dotnet
 * trees as reproducible tars), their environment and their Dockerfile.
 *
 * Corporate TLS proxy, second setting (the first is CACHEBENCH_CA_BUNDLE, see ca.ts):
 * behind such a proxy the certificate revocation servers NuGet asks while verifying
 * package signatures are often unreachable, and each check waits for a timeout (measured
 * here: the sample fixture's `dotnet restore` step took 281 s with online checks, 13-16 s
 * with NUGET_CERT_REVOCATION_MODE=offline). A host that sets NUGET_CERT_REVOCATION_MODE
 * (`offline` or `online`) gets the same value in the sdk image's environment, so restores
 * in builds behave as they do on the host; unset, the image keeps NuGet's default
 * (online). The value is part of the sdk image's inputs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { run } from '../proc.ts';
import { CachebenchError } from '../errors.ts';
import { APP_UID } from './accounts.ts';
import { fxrVersion } from './dotnet-host.ts';
import type { DotnetFlavor, DotnetSelection } from './dotnet-select.ts';
import { TAR_FIXED } from './rootfs.ts';

const TAR_ROOT_OWNED = [...TAR_FIXED, '--owner=0', '--group=0'];

/** Where the images keep dotnet (the official images' DOTNET_ROOT). */
export const DOTNET_DIR = 'usr/share/dotnet';

/**
 * What a dotnet layer holds, relative to the dotnet root: `dirs` are added as bare
 * directory entries (so every parent is in the tar with a fixed mtime), `trees` whole.
 */
export function dotnetLayerMembers(layer: 'runtime' | 'sdk', sel: DotnetSelection, fxrVersion: string): { dirs: string[]; trees: string[] } {
  if (layer === 'runtime') {
    return {
      dirs: ['.', 'host', 'host/fxr', 'shared', 'shared/Microsoft.AspNetCore.App', 'shared/Microsoft.NETCore.App'],
      trees: [
        'LICENSE.txt',
        'ThirdPartyNotices.txt',
        'dotnet',
        `host/fxr/${fxrVersion}`,
        `shared/Microsoft.AspNetCore.App/${sel.aspnetVersion}`,
        `shared/Microsoft.NETCore.App/${sel.netcoreVersion}`,
      ],
    };
  }
  if (!sel.sdkVersion) throw new CachebenchError('no SDK selected for the sdk layer');
  return { dirs: ['.', 'sdk'], trees: ['dnx', 'packs', 'sdk-manifests', `sdk/${sel.sdkVersion}`, 'templates'] };
}

/**
 * tar arguments for a dotnet layer extracted at `/`: members are named under
 * usr/share/dotnet/ (symlink targets untouched), and the folder itself is an entry. Made to
 * be added at `/`, not at /usr/share/dotnet/: BuildKit stamps the current time on an ADD's
 * destination folder, while folders that are entries of the tar keep the tar's mtime.
 */
export function dotnetTarArgs(out: string, dotnetRoot: string, dirs: string[], trees: string[]): string[] {
  return [
    ...TAR_ROOT_OWNED,
    `--transform=s,^,${DOTNET_DIR}/,rSh`,
    '--transform=s,/\\.$,,rSh',
    '-C', dotnetRoot,
    '-cf', out,
    '--no-recursion', ...dirs,
    '--recursion', ...trees,
  ];
}

/** Writes `file` (runtime.tar or sdk.tar) into the build context from the host's dotnet root. */
export async function writeDotnetLayer(ctx: string, file: string, layer: 'runtime' | 'sdk', sel: DotnetSelection): Promise<void> {
  const m = dotnetLayerMembers(layer, sel, fxrVersion(sel));
  const present = (rel: string) => existsSync(path.join(sel.root, rel));
  const trees = m.trees.filter(present);
  const required = layer === 'runtime' ? ['dotnet', ...m.trees.slice(3)] : [`sdk/${sel.sdkVersion}`];
  const missing = required.filter((r) => !present(r));
  if (missing.length > 0) {
    throw new CachebenchError(`the host's .NET install at ${sel.root} lacks ${missing.join(', ')}`, { hint: 'repair or reinstall the .NET SDK' });
  }
  await run('tar', dotnetTarArgs(path.join(ctx, file), sel.root, m.dirs.filter(present), trees), { what: `tar of the dotnet ${layer} layer` });
}

export interface ImageEnv {
  [name: string]: string;
}

/** Host settings the sdk image takes over (see the corporate TLS proxy note at the top). */
export function hostNugetEnv(env: NodeJS.ProcessEnv = process.env): ImageEnv {
  const mode = env.NUGET_CERT_REVOCATION_MODE?.trim().toLowerCase();
  return mode === 'offline' || mode === 'online' ? { NUGET_CERT_REVOCATION_MODE: mode } : {};
}

/** The environment of the official images (runtime-deps + aspnet, plus sdk's own and `extra`). */
export function imageEnv(flavor: DotnetFlavor, sel: DotnetSelection, extra: ImageEnv = {}): ImageEnv {
  const env: ImageEnv = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/share/dotnet',
    APP_UID: String(APP_UID),
    ASPNETCORE_HTTP_PORTS: '8080',
    DOTNET_RUNNING_IN_CONTAINER: 'true',
    DOTNET_VERSION: sel.netcoreVersion,
    ASPNET_VERSION: sel.aspnetVersion,
  };
  if (flavor === 'sdk') {
    if (!sel.sdkVersion) throw new CachebenchError('no SDK selected for the sdk image');
    Object.assign(env, {
      DOTNET_GENERATE_ASPNET_CERTIFICATE: 'false',
      DOTNET_NOLOGO: 'true',
      DOTNET_SDK_VERSION: sel.sdkVersion,
      DOTNET_USE_POLLING_FILE_WATCHER: 'true',
      NUGET_XMLDOC_MODE: 'skip',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
      ...extra,
    });
  }
  return env;
}

/** `FROM scratch`, one ADD per layer, one ENV line (no layer), CMD like Debian's. */
export function renderDockerfile(layers: Array<{ file: string; dest: string }>, env: ImageEnv): string {
  const lines = ['FROM scratch'];
  for (const l of layers) lines.push(`ADD ${l.file} ${l.dest}`);
  const pairs = Object.entries(env).map(([k, v]) => `${k}=${/^[\w./:-]*$/.test(v) ? v : JSON.stringify(v)}`);
  lines.push(`ENV ${pairs.join(' \\\n    ')}`);
  lines.push('CMD ["bash"]');
  return lines.join('\n') + '\n';
}
