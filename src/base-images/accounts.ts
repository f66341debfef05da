/**
 * /etc/passwd, group, shadow and gshadow of the local images as text: the `app` account
 * the official .NET images have, and the one date debootstrap writes, cleared. Pure.
 */

/** The official images' `app` user and group id. */
export const APP_UID = 1654;

export interface AccountFiles {
  passwd: string;
  group: string;
  shadow?: string | undefined;
  gshadow?: string | undefined;
}

/** Adds the `app` user and group (what `useradd --uid 1654 --create-home app` would). */
export function addAppUser(files: AccountFiles, uid = APP_UID): AccountFiles {
  const has = (text: string | undefined, name: string) => (text ?? '').split('\n').some((l) => l.startsWith(`${name}:`));
  const append = (text: string, line: string) => (text === '' || text.endsWith('\n') ? text : text + '\n') + line + '\n';
  const out: AccountFiles = { ...files };
  if (!has(files.passwd, 'app')) out.passwd = append(files.passwd, `app:x:${uid}:${uid}::/home/app:/bin/sh`);
  if (!has(files.group, 'app')) out.group = append(files.group, `app:x:${uid}:`);
  if (files.shadow !== undefined && !has(files.shadow, 'app')) out.shadow = append(files.shadow, 'app:!::0:99999:7:::');
  if (files.gshadow !== undefined && !has(files.gshadow, 'app')) out.gshadow = append(files.gshadow, 'app:!::');
  return out;
}

/** Clears the "last password change" day in /etc/shadow, the one date debootstrap writes. */
export function normalizeShadow(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const f = line.split(':');
      if (f.length < 9) return line;
      f[2] = '';
      return f.join(':');
    })
    .join('\n');
}
