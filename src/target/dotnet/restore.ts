/** The restore check: a bump is only chosen if `dotnet restore` of a throwaway copy accepts it. */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Edit } from '../fixture.ts';
import { writeSources } from '../nuget-sources.ts';
import { run } from '../../proc.ts';
import { byCodeUnits, isDir, sortedEntries } from './files.ts';
import { compareNuGetVersions, parseNuGetVersion } from './nuget.ts';

const RESTORE_PROBLEM = /\b(NU1101|NU1102|NU1103|NU1603|NU1605)\b/;

function removeUnder(dir: string, names: ReadonlySet<string>): void {
  for (const e of sortedEntries(dir)) {
    const p = path.join(dir, e);
    if (!isDir(p)) continue;
    if (names.has(e)) rmSync(p, { recursive: true, force: true });
    else removeUnder(p, names);
  }
}

/** A throwaway copy of the repository for restores; sources written into its nuget.config(s). */
export class RestoreSandbox {
  readonly root: string;
  constructor(
    private readonly repoDir: string,
    sources: readonly string[],
    projectDirRel: string,
  ) {
    this.root = mkdtempSync(path.join(os.tmpdir(), 'cachebench-detect-'));
    cpSync(repoDir, this.root, {
      recursive: true,
      filter: (src) => !['.git', 'bin', 'obj', 'node_modules', 'TestResults'].includes(path.basename(src)) || src === repoDir,
    });
    // Every nuget.config from the project up to the root, nearest first, gets the
    // machine's sources (after its <clear/>); the root one is created if missing.
    const configs: string[] = [];
    for (let d = path.join(this.root, projectDirRel); d.startsWith(this.root); d = path.dirname(d)) {
      for (const e of sortedEntries(d)) if (e.toLowerCase() === 'nuget.config') configs.push(path.join(d, e));
      if (d === this.root) break;
    }
    if (!configs.some((c) => path.dirname(c) === this.root)) configs.push(path.join(this.root, 'nuget.config'));
    for (const c of configs) writeSources(c, [...sources]);
  }

  /** Restores `target` in the copy as it is: ok, the NuGet problem codes seen and the first error line. */
  async restore(target: string): Promise<{ ok: boolean; codes: string[]; detail: string; ms: number }> {
    removeUnder(this.root, new Set(['obj']));
    const started = performance.now();
    const r = await run('dotnet', ['restore', path.join(this.root, target), '-p:NuGetAudit=false'], {
      cwd: this.root,
      reject: false,
      timeoutMs: 600_000,
      env: { DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1' },
    });
    const ms = performance.now() - started;
    const out = `${r.stdout}\n${r.stderr}`;
    const codes = [...new Set([...out.matchAll(new RegExp(RESTORE_PROBLEM.source, 'g'))].map((m) => m[1] ?? ''))].sort(byCodeUnits);
    if (r.exitCode !== 0 || codes.length > 0) {
      const line = (out.split('\n').find((l) => RESTORE_PROBLEM.test(l) || /error/i.test(l))?.trim() ?? '').split(this.root + path.sep).join('');
      return { ok: false, codes, detail: `restore exit ${r.exitCode}${codes.length ? `, ${codes.join(', ')}` : ''}${line ? `: ${line.slice(0, 300)}` : ''}`, ms };
    }
    return { ok: true, codes, detail: `restored in ${(ms / 1000).toFixed(1)} s`, ms };
  }

  /** Applies `edit` to the copy, restores `target`, checks that `id` resolved to `version`, and undoes the edit. */
  async tryEdit(edit: Edit, target: string, assetsProject: string, id: string, version: string): Promise<{ ok: boolean; detail: string; ms: number }> {
    const file = path.join(this.root, edit.file);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(edit.replace ?? '', edit.with ?? ''));
    try {
      const r = await this.restore(target);
      if (!r.ok) return r;
      const assets = path.join(this.root, path.dirname(assetsProject), 'obj', 'project.assets.json');
      if (existsSync(assets)) {
        const libs = (JSON.parse(readFileSync(assets, 'utf8')) as { libraries?: Record<string, unknown> }).libraries ?? {};
        const want = parseNuGetVersion(version);
        const resolved = Object.keys(libs)
          .filter((k) => k.toLowerCase().startsWith(`${id.toLowerCase()}/`))
          .map((k) => k.slice(id.length + 1));
        if (!want || !resolved.some((v) => { const p = parseNuGetVersion(v); return p !== undefined && compareNuGetVersions(p, want) === 0; })) {
          return { ok: false, detail: `restore resolved ${id} ${resolved.join(', ') || '(not at all)'}, not ${version}`, ms: r.ms };
        }
      }
      return r;
    } finally {
      writeFileSync(file, original);
    }
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
