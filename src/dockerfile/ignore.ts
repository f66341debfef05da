/**
 * The build context's filter: which `.dockerignore` applies, and whether a path is left
 * out. Matching is `@balena/dockerignore`, a port of Docker's own matcher (moby's
 * patternmatcher): `**`, `!` re-includes (the last matching line decides), leading `/`
 * and `./` and a trailing `/` cleaned away, a pattern excluding everything under a
 * matching folder, and `*.md` matching at the context root only. Case-sensitive, as
 * Docker is on Linux (the library's default is case-insensitive). Pure but for the file
 * lookup in `readDockerignore`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import dockerignore from '@balena/dockerignore';

// CommonJS (`module.exports = factory`) typed as an ES module with a default export: under
// NodeNext the default import is the factory itself at run time.
const ignore = dockerignore as unknown as typeof dockerignore.default;

export interface ContextFilter {
  /** The ignore file that applies, if any. */
  file?: string;
  /** Whether `relPath` (context-relative, forward slashes) is left out of the context. */
  excludes(relPath: string): boolean;
}

/** Whether `relPath` (context-relative, forward slashes) is left out by .dockerignore patterns (lines). */
export function dockerignoreExcludes(patterns: readonly string[], relPath: string): boolean {
  return contextFilter(patterns).excludes(relPath);
}

export function contextFilter(patterns: readonly string[], file?: string): ContextFilter {
  const ig = ignore({ ignorecase: false }).add([...patterns]);
  return { ...(file ? { file } : {}), excludes: (relPath) => relPath !== '' && relPath !== '.' && ig.ignores(relPath) };
}

/**
 * The ignore file BuildKit uses: `<Dockerfile name>.dockerignore` next to the Dockerfile
 * takes precedence over `<context>/.dockerignore`.
 */
export function dockerignorePath(dockerfilePath: string, contextDir: string): string | undefined {
  return [`${dockerfilePath}.dockerignore`, path.join(contextDir, '.dockerignore')].find((f) => existsSync(f));
}

export function readDockerignore(dockerfilePath: string, contextDir: string): ContextFilter {
  const file = dockerignorePath(dockerfilePath, contextDir);
  return contextFilter(file ? readFileSync(file, 'utf8').split(/\r?\n/) : [], file);
}
