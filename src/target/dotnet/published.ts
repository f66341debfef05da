/**
 * The project a Dockerfile publishes (else builds), found through its COPYs into the
 * build context, and what it restores.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ContainerView } from './container-view.ts';
import type { DotnetCommand, ParsedDockerfile } from './dockerfile.ts';
import { byCodeUnits, findFiles, isDir, sortedEntries } from './files.ts';
import { PROJECT_EXT, SOLUTION_EXT, parseSolutionProjects, projectKind } from './msbuild.ts';

/** The host project or solution file a dotnet command acts on, with how it was found. */
function resolveCommandTarget(cmd: DotnetCommand, view: ContainerView, contextDir: string): { file?: string; how: string; problem?: string } {
  const p = path.posix.resolve(cmd.cwd, cmd.target ?? '.');
  const written = cmd.target ?? `(no path: the working directory ${cmd.cwd})`;
  const looksLikeFile = cmd.target !== undefined && (PROJECT_EXT.test(cmd.target) || SOLUTION_EXT.test(cmd.target));
  let host = view.resolve(p);
  let how = `the Dockerfile's COPY instructions map ${p} to it`;
  if (!host) {
    // The file may have been moved into place by a shell step (e.g. a loop over flattened
    // *.csproj files); fall back to the longest tail of the container path that exists.
    const segs = p.split('/').filter(Boolean);
    for (let k = 0; k < segs.length && !host; k++) {
      const cand = path.join(contextDir, ...segs.slice(k));
      if (existsSync(cand) && (looksLikeFile ? !isDir(cand) : true)) {
        host = cand;
        how = `${segs.slice(k).join('/')} exists in the build context (${p} was not traced through COPY)`;
      }
    }
  }
  if (!host && looksLikeFile) {
    const name = path.posix.basename(p);
    const found = findFiles(contextDir, (f) => path.basename(f) === name, 6);
    if (found.length === 1) {
      host = found[0];
      how = `the only ${name} in the build context`;
    } else if (found.length > 1) {
      return { how: '', problem: `dotnet ${cmd.verb} ${written} (line ${cmd.line}): ${found.length} files named ${name} in the build context` };
    }
  }
  if (!host) return { how: '', problem: `dotnet ${cmd.verb} ${written} (line ${cmd.line}): ${p} is not found in the build context` };
  if (!isDir(host)) return { file: host, how };
  // A folder: dotnet takes the single project or solution file in it.
  const entries = [...new Map([...view.list(p), ...sortedEntries(host).map((e) => [e, path.join(host, e)] as const)])];
  const files = entries.filter(([n]) => PROJECT_EXT.test(n) || SOLUTION_EXT.test(n)).map(([, f]) => f);
  const unique = [...new Set(files)].sort(byCodeUnits);
  if (unique.length === 1) return { file: unique[0], how: `the only project or solution file in ${p}` };
  if (unique.length === 0) return { how: '', problem: `dotnet ${cmd.verb} ${written} (line ${cmd.line}): no project or solution file in ${p}` };
  return { how: '', problem: `dotnet ${cmd.verb} ${written} (line ${cmd.line}): ${p} holds several project/solution files (${unique.map((f) => path.basename(f)).join(', ')})` };
}

/** The one app project a solution-wide publish or build produces. */
function projectFromSolution(solution: string): { project?: string; how: string; problem?: string } {
  const kind = solution.toLowerCase().endsWith('.slnx') ? 'slnx' : solution.toLowerCase().endsWith('.sln') ? 'sln' : undefined;
  if (!kind) return { how: '', problem: `${path.basename(solution)}: solution filters (.slnf) are not supported` };
  const dir = path.dirname(solution);
  const projects = parseSolutionProjects(readFileSync(solution, 'utf8'), kind)
    .map((p) => path.resolve(dir, p))
    .filter((p) => existsSync(p));
  if (projects.length === 1) return { project: projects[0], how: `the only project in ${path.basename(solution)}` };
  const apps = projects.filter((p) => {
    const k = projectKind(p, readFileSync(p, 'utf8'));
    return k.app && !k.test;
  });
  if (apps.length === 1) return { project: apps[0], how: `the only app (web/worker/exe, not test) project in ${path.basename(solution)}` };
  return {
    how: '',
    problem:
      apps.length === 0
        ? `${path.basename(solution)} lists no app project (${projects.length} projects)`
        : `${path.basename(solution)} holds ${apps.length} app projects (${apps.map((a) => path.basename(a)).join(', ')}): cannot tell which one the image is for`,
  };
}

export interface PublishedProject {
  /** Absolute path of the .csproj the Dockerfile publishes (or builds). */
  project: string;
  /** Absolute path of what the Dockerfile restores (solution or project), when it says. */
  restoreTarget?: string;
  notes: string[];
}

/** The project the Dockerfile publishes (else builds), mapped into the build context. */
export function findPublishedProject(parsed: ParsedDockerfile, contextDir: string): PublishedProject | { problems: string[] } {
  const publishes = parsed.commands.filter((c) => c.verb === 'publish');
  const chosen = publishes.length > 0 ? publishes : parsed.commands.filter((c) => c.verb === 'build');
  if (chosen.length === 0) {
    return { problems: ['the Dockerfile has no RUN line with `dotnet publish` or `dotnet build`'] };
  }
  const problems: string[] = [];
  const found = new Map<string, string>();
  for (const cmd of chosen) {
    const t = resolveCommandTarget(cmd, ContainerView.forCommand(parsed, cmd, contextDir), contextDir);
    if (!t.file) {
      problems.push(t.problem ?? `line ${cmd.line}: target not found`);
      continue;
    }
    let project = t.file;
    let how = t.how;
    if (SOLUTION_EXT.test(project)) {
      const s = projectFromSolution(project);
      if (!s.project) {
        problems.push(`dotnet ${cmd.verb} (line ${cmd.line}) acts on a solution: ${s.problem ?? 'no project'}`);
        continue;
      }
      how = `${how}; ${s.how}`;
      project = s.project;
    }
    if (!project.toLowerCase().endsWith('.csproj')) {
      problems.push(`dotnet ${cmd.verb} (line ${cmd.line}) acts on ${path.basename(project)}: only C# projects (.csproj) are supported`);
      continue;
    }
    if (!found.has(project)) found.set(project, `\`dotnet ${cmd.verb}\` on line ${cmd.line}: ${how}`);
  }
  if (found.size > 1) {
    return { problems: [`the Dockerfile ${chosen[0]?.verb === 'publish' ? 'publishes' : 'builds'} ${found.size} different projects (${[...found.keys()].map((p) => path.relative(contextDir, p)).join(', ')}): cannot tell which one the benchmark is about`] };
  }
  const [entry] = [...found];
  if (!entry) return { problems };
  const [project, how] = entry;
  const notes = [`project: ${path.relative(contextDir, project).split(path.sep).join('/')} (${how})`];
  // What the Dockerfile restores decides whether a version bump restores in the image.
  let restoreTarget: string | undefined;
  const restores = parsed.commands.filter((c) => c.verb === 'restore');
  const lastRestore = restores[restores.length - 1];
  if (lastRestore) {
    const r = resolveCommandTarget(lastRestore, ContainerView.forCommand(parsed, lastRestore, contextDir), contextDir);
    if (r.file) restoreTarget = r.file;
  }
  return { project, ...(restoreTarget ? { restoreTarget } : {}), notes };
}
