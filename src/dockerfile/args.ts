/**
 * ARG expansion and image-name normalisation, as BuildKit's Dockerfile frontend does them
 * for FROM lines and `--from=` flags. dockerfile-ast parses the file but does not expand
 * variables or normalise references, so these two small pieces are ours (pure).
 */
import os from 'node:os';

/** BuildKit's automatic platform ARGs (available to FROM lines without declaring them). */
export function predefinedArgs(platform?: string): Record<string, string> {
  const arch = os.arch() === 'x64' ? 'amd64' : os.arch() === 'arm64' ? 'arm64' : os.arch();
  const build = `linux/${arch}`;
  const target = platform?.split(',')[0]?.trim() || build;
  const [tos = 'linux', tarch = arch, tvariant = ''] = target.split('/');
  return {
    BUILDPLATFORM: build,
    BUILDOS: 'linux',
    BUILDARCH: arch,
    BUILDVARIANT: '',
    TARGETPLATFORM: target,
    TARGETOS: tos,
    TARGETARCH: tarch,
    TARGETVARIANT: tvariant,
  };
}

/**
 * Expands `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}` and
 * `${NAME+word}` with `args`; an unknown name expands to '' (as in BuildKit). A
 * backslash-escaped `\$` stays a literal dollar.
 */
export function expandWord(word: string, args: Readonly<Record<string, string>>): string {
  return word.replace(/\\\$|\$\{(\w+)(?:(:?[-+])([^}]*))?\}|\$(\w+)/g, (m, braced?: string, op?: string, alt?: string, bare?: string) => {
    if (m === '\\$') return '$';
    const name = (braced ?? bare) as string;
    const value = args[name];
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (op) {
      case ':-':
        return nonEmpty ? (value as string) : expandWord(alt ?? '', args);
      case '-':
        return set ? (value as string) : expandWord(alt ?? '', args);
      case ':+':
        return nonEmpty ? expandWord(alt ?? '', args) : '';
      case '+':
        return set ? expandWord(alt ?? '', args) : '';
      default:
        return value ?? '';
    }
  });
}

/**
 * The fully qualified form BuildKit uses for an image reference: `busybox` →
 * `docker.io/library/busybox:latest`, `me/app:1` → `docker.io/me/app:1`; a reference with
 * a registry host (a dot, a colon or `localhost` before the first slash) keeps it; a
 * digest without a tag gets no `:latest`.
 */
export function normalizeImage(ref: string): string {
  const [nameTag = '', digest] = ref.split('@', 2);
  const slash = nameTag.indexOf('/');
  const first = slash >= 0 ? nameTag.slice(0, slash) : '';
  const hasHost = slash >= 0 && (/[.:]/.test(first) || first === 'localhost');
  let name = hasHost ? nameTag : `docker.io/${slash >= 0 ? nameTag : `library/${nameTag}`}`;
  const lastSlash = name.lastIndexOf('/');
  const hasTag = name.slice(lastSlash + 1).includes(':');
  if (!hasTag && !digest) name += ':latest';
  return digest ? `${name}@${digest}` : name;
}
