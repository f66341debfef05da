/**
 * deps.tar, the layer runtime-deps adds on the Debian rootfs: the host's CA trust
 * (ca.ts), the `app` user (uid/gid 1654) with its home, and (for the images that have
 * dotnet) the /usr/bin/dotnet link.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../proc.ts';
import { APP_UID, addAppUser } from './accounts.ts';
import { stageCaTrust } from './ca.ts';
import { TAR_FIXED, readFromTar } from './rootfs.ts';

/**
 * deps.tar: the CA trust, the `app` user and (unless `dotnetLink` is false, as for
 * runtime-deps, which has no dotnet) the /usr/bin/dotnet link, with every parent
 * directory as an entry (mode 0755, mtime 0) so extracting it changes no directory's time.
 */
export async function writeDepsLayer(ctx: string, rootfsTar: string, opts: { dotnetLink?: boolean } = {}): Promise<void> {
  const dotnetLink = opts.dotnetLink ?? true;
  const stage = path.join(ctx, 'deps-stage');
  mkdirSync(stage);
  chmodSync(stage, 0o755);
  for (const rel of ['etc/ssl/certs', 'usr/local/share/ca-certificates', 'usr/bin', ...(dotnetLink ? ['usr/share/dotnet'] : []), 'home']) stageDirs(stage, rel);
  stageCaTrust(stage);
  await stageAppUser(stage, rootfsTar);
  if (dotnetLink) symlinkSync('/usr/share/dotnet/dotnet', path.join(stage, 'usr/bin/dotnet'));
  // Owners kept (root, except home/app and the shadow files' group).
  await run('tar', [...TAR_FIXED, '-C', stage, '-cf', path.join(ctx, 'deps.tar'), '.'], { what: 'tar of the deps layer' });
  rmSync(stage, { recursive: true, force: true });
}

/** `rel` and each of its parents under `stage`, made with mode 0755 where missing. */
function stageDirs(stage: string, rel: string): void {
  const parts = rel.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const d = path.join(stage, ...parts.slice(0, i));
    if (!existsSync(d)) {
      mkdirSync(d);
      chmodSync(d, 0o755);
    }
  }
}

/** The rootfs's account files with the `app` user (uid/gid 1654) added, and its home. */
async function stageAppUser(stage: string, rootfsTar: string): Promise<void> {
  const files = {
    passwd: (await readFromTar(rootfsTar, 'etc/passwd')) ?? 'root:x:0:0:root:/root:/bin/bash\n',
    group: (await readFromTar(rootfsTar, 'etc/group')) ?? 'root:x:0:\n',
    shadow: await readFromTar(rootfsTar, 'etc/shadow'),
    gshadow: await readFromTar(rootfsTar, 'etc/gshadow'),
  };
  const withApp = addAppUser(files);
  writeFileSync(path.join(stage, 'etc/passwd'), withApp.passwd, { mode: 0o644 });
  writeFileSync(path.join(stage, 'etc/group'), withApp.group, { mode: 0o644 });
  const shadowGid = /^shadow:x:(\d+):/m.exec(withApp.group)?.[1];
  for (const name of ['shadow', 'gshadow'] as const) {
    const text = withApp[name];
    if (text === undefined) continue;
    const p = path.join(stage, 'etc', name);
    writeFileSync(p, text);
    chmodSync(p, 0o640);
    if (shadowGid) chownSync(p, 0, Number(shadowGid));
  }
  stageDirs(stage, 'home/app');
  chownSync(path.join(stage, 'home/app'), APP_UID, APP_UID);
  chmodSync(path.join(stage, 'home/app'), 0o700);
}
