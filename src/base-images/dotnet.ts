/**
 * .NET base images with no outside registry: local equivalents of the official
 * `dotnet/sdk:10.0` and `dotnet/aspnet:10.0` images.
 *
 * Layers (the aspnet image's three layers are the first three of the sdk image's, so the
 * registry stores them once):
 *   1. rootfs.tar   a Debian minbase root filesystem (`debootstrap` against the machine's
 *                   own Debian mirror) with the runtime-deps packages, trimmed of apt
 *                   lists, docs, man pages and locales (rootfs.ts, rootfs-trim.ts). Cached
 *                   per machine under cacheHome()/base-images/, keyed by its inputs.
 *   2. deps.tar     what runtime-deps adds on top (deps-layer.ts): the host's CA trust
 *                   (ca.ts, CACHEBENCH_CA_BUNDLE), the `app` user (uid/gid 1654) and the
 *                   /usr/bin/dotnet link.
 *   3. runtime.tar  the host's dotnet host, host/fxr, shared/Microsoft.NETCore.App and
 *                   shared/Microsoft.AspNetCore.App (one version each; dotnet-layers.ts).
 *   4. sdk.tar      (sdk only) sdk/<v>, sdk-manifests, packs, templates. No NuGet packages:
 *                   a restore inside a build downloads.
 * Every tar is made with fixed owners, mtimes and order, and ensureBaseImage builds with
 * SOURCE_DATE_EPOCH=0, so the same inputs give the same image digest. The sdk image also
 * takes over the host's NUGET_CERT_REVOCATION_MODE (see dotnet-layers.ts).
 *
 * This file holds the two recipes: what their inputs are (the string whose hash is the
 * image tag: keep it byte-identical unless the image changes) and how their build context
 * is put together. They are registered in index.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BaseImageRecipe } from './recipe.ts';
import { caFingerprint } from './ca.ts';
import { writeDepsLayer } from './deps-layer.ts';
import { fxrVersion, selectHostDotnet } from './dotnet-host.ts';
import { hostNugetEnv, imageEnv, renderDockerfile, writeDotnetLayer } from './dotnet-layers.ts';
import { DOTNET_CHANNEL, type DotnetFlavor } from './dotnet-select.ts';
import { DEBIAN_SUITE, debianMirror, ensureRootfs, linkOrCopy, rootfsInputs } from './rootfs.ts';

async function prepareDotnet(flavor: DotnetFlavor, ctx: string, log: (s: string) => void): Promise<void> {
  const sel = await selectHostDotnet(flavor);
  const rootfs = await ensureRootfs(log);
  linkOrCopy(rootfs.tarball, path.join(ctx, 'rootfs.tar'));
  await writeDepsLayer(ctx, rootfs.tarball);
  await writeDotnetLayer(ctx, 'runtime.tar', 'runtime', sel);
  const layers = [
    { file: 'rootfs.tar', dest: '/' },
    { file: 'deps.tar', dest: '/' },
    { file: 'runtime.tar', dest: '/' },
  ];
  if (flavor === 'sdk') {
    await writeDotnetLayer(ctx, 'sdk.tar', 'sdk', sel);
    layers.push({ file: 'sdk.tar', dest: '/' });
  }
  writeFileSync(path.join(ctx, 'Dockerfile'), renderDockerfile(layers, imageEnv(flavor, sel, hostNugetEnv())));
}

async function dotnetInputs(flavor: DotnetFlavor): Promise<string> {
  const sel = await selectHostDotnet(flavor);
  return [
    rootfsInputs(debianMirror()),
    `flavor=${flavor}`,
    `sdk=${flavor === 'sdk' ? sel.sdkVersion : '-'}`,
    `netcore=${sel.netcoreVersion}`,
    `aspnet=${sel.aspnetVersion}`,
    `fxr=${fxrVersion(sel)}`,
    `ca=${caFingerprint()}`,
    ...(flavor === 'sdk' ? Object.entries(hostNugetEnv()).map(([k, v]) => `${k}=${v}`) : []),
  ].join(' ');
}

export const dotnetSdk: BaseImageRecipe = {
  name: 'dotnet-sdk',
  description: `the .NET ${DOTNET_CHANNEL} SDK image (like dotnet/sdk:${DOTNET_CHANNEL}) from a Debian ${DEBIAN_SUITE} rootfs and the host's SDK`,
  inputs: () => dotnetInputs('sdk'),
  prepare: (dir, log) => prepareDotnet('sdk', dir, log),
};

export const dotnetAspnet: BaseImageRecipe = {
  name: 'dotnet-aspnet',
  description: `the ASP.NET Core ${DOTNET_CHANNEL} runtime image (like dotnet/aspnet:${DOTNET_CHANNEL}) from a Debian ${DEBIAN_SUITE} rootfs and the host's runtime`,
  inputs: () => dotnetInputs('aspnet'),
  prepare: (dir, log) => prepareDotnet('aspnet', dir, log),
};
