/**
 * Which files of the build context a COPY/ADD source takes, as BuildKit matches it: Go's
 * `filepath.Match` per path segment (`*`, `?`, `[…]`; `**` is just `*` there), a source
 * that names a folder takes everything under it, `.` takes the whole context; with
 * `--parents`, `**` matches any number of folders. `--exclude` patterns leave files out.
 * Hand-written: the glob libraries at hand (minimatch, picomatch) follow shell/gitignore
 * rules (`**` everywhere, braces, extglobs, dotfiles), which COPY does not have. Pure.
 */

/** One path segment of a COPY source as a regular expression (Go `filepath.Match`). */
export function globSegmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] ?? '';
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const j = seg.indexOf(']', i + 1);
      if (j < 0) re += '\\[';
      else {
        re += '[' + seg.slice(i + 1, j).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A source as a clean context-relative path: no leading `/` or `./`, no trailing `/`; '' for the whole context. */
export function cleanSource(src: string): string {
  const parts: string[] = [];
  for (const seg of src.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

/** Whether the segments `path` from index `pi` match the pattern segments from `si` (`**` spanning folders when allowed). */
function matchSegments(pattern: readonly string[], si: number, path: readonly string[], pi: number, globstar: boolean): boolean {
  if (si === pattern.length) return true; // the source matched a folder (or the file itself): it takes all below
  const seg = pattern[si] as string;
  if (globstar && seg === '**') {
    for (let k = pi; k <= path.length; k++) if (matchSegments(pattern, si + 1, path, k, globstar)) return true;
    return false;
  }
  if (pi === path.length) return false;
  return globSegmentRegex(seg).test(path[pi] as string) && matchSegments(pattern, si + 1, path, pi + 1, globstar);
}

/** Whether the context file `relPath` (forward slashes) is taken by the COPY/ADD source `src`. */
export function sourceTakes(src: string, relPath: string, opts: { parents?: boolean } = {}): boolean {
  const pattern = cleanSource(src);
  if (pattern === '') return true;
  return matchSegments(pattern.split('/'), 0, cleanSource(relPath).split('/'), 0, opts.parents === true);
}

/** Whether `--exclude` patterns leave `relPath` out (the same matching, `**` spanning folders). */
export function excludedBy(patterns: readonly string[], relPath: string): boolean {
  return patterns.some((p) => sourceTakes(p, relPath, { parents: true }));
}
