/**
 * The local equivalent of `mcr.microsoft.com/dotnet/runtime-deps:10.0`: what
 * self-contained and trimmed .NET apps run on. The same Debian rootfs layer as the
 * dotnet-aspnet and dotnet-sdk recipes (debootstrap minbase + ca-certificates, libc6,
 * libgcc-s1, libicu, libssl3, libstdc++6, tzdata; the registry stores it once), then the
 * deps layer (the host's CA trust, the `app` user uid/gid 1654) without the /usr/bin/dotnet
 * link, and the runtime-deps environment. No dotnet: it needs no .NET on the host.
 * Its chiseled variants have no shell or package manager; this one has both (a superset).
 */
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import type { BaseImageRecipe } from './recipe.ts';
import { APP_UID } from './accounts.ts';
import { caFingerprint } from './ca.ts';
import { writeDepsLayer } from './deps-layer.ts';
import { renderDockerfile, type ImageEnv } from './dotnet-layers.ts';
import { DOTNET_CHANNEL } from './dotnet-select.ts';
import { DEBIAN_SUITE, debianMirror, ensureRootfs, linkOrCopy, rootfsInputs } from './rootfs.ts';

/** Bump when anything this file puts into the image changes. */
export const RUNTIME_DEPS_VERSION = 'runtime-deps-v1';

/** The official runtime-deps image's environment (no DOTNET_VERSION: it has no runtime). */
export function runtimeDepsEnv(): ImageEnv {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    APP_UID: String(APP_UID),
    ASPNETCORE_HTTP_PORTS: '8080',
    DOTNET_RUNNING_IN_CONTAINER: 'true',
  };
}

/** The build context's Dockerfile: rootfs + deps layers, the environment, bash as CMD. */
export function runtimeDepsDockerfile(): string {
  return renderDockerfile(
    [
      { file: 'rootfs.tar', dest: '/' },
      { file: 'deps.tar', dest: '/' },
    ],
    runtimeDepsEnv(),
  );
}

export const dotnetRuntimeDeps: BaseImageRecipe = {
  name: 'dotnet-runtime-deps',
  description: `the .NET ${DOTNET_CHANNEL} runtime-deps image (like dotnet/runtime-deps:${DOTNET_CHANNEL}, for self-contained apps) from a Debian ${DEBIAN_SUITE} rootfs, no dotnet`,
  async inputs() {
    return [rootfsInputs(debianMirror()), RUNTIME_DEPS_VERSION, `ca=${caFingerprint()}`, `env=${JSON.stringify(runtimeDepsEnv())}`].join(' ');
  },
  async prepare(dir, log) {
    const rootfs = await ensureRootfs(log);
    linkOrCopy(rootfs.tarball, path.join(dir, 'rootfs.tar'));
    await writeDepsLayer(dir, rootfs.tarball, { dotnetLink: false });
    writeFileSync(path.join(dir, 'Dockerfile'), runtimeDepsDockerfile());
  },
};
