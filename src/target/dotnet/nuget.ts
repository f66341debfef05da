/**
 * NuGet versions (parse, compare, choose a bump), which packages make a good dependency
 * change (ranking), and the versions a v3 NuGet source serves (flat container).
 */
import { byCodeUnits } from './files.ts';
import type { PackageItem } from './msbuild.ts';

export interface NuGetVersion {
  parts: [number, number, number, number];
  pre: string[];
}

export function parseNuGetVersion(s: string): NuGetVersion | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(s.trim());
  if (!m) return undefined;
  return { parts: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0), Number(m[4] ?? 0)], pre: m[5] ? m[5].split('.') : [] };
}

export function compareNuGetVersions(a: NuGetVersion, b: NuGetVersion): number {
  for (let i = 0; i < 4; i++) {
    const d = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (a.pre.length === 0 || b.pre.length === 0) return Math.sign(b.pre.length - a.pre.length);
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const x = a.pre[i] ?? '';
    const y = b.pre[i] ?? '';
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn && Number(x) !== Number(y)) return Math.sign(Number(x) - Number(y));
    if (xn !== yn) return xn ? -1 : 1;
    const c = byCodeUnits(x.toLowerCase(), y.toLowerCase());
    if (c !== 0) return c;
  }
  return Math.sign(a.pre.length - b.pre.length);
}

export interface VersionBump {
  from: string;
  to: string;
  direction: 'up' | 'down';
  kind: 'patch' | 'minor' | 'major';
  /** The version the repository has now is served too (so the parent commit restores). */
  currentServed: boolean;
}

/** Next-newer stable served version, else next-older; undefined if neither exists. */
export function chooseVersionBump(current: string, served: readonly string[]): VersionBump | undefined {
  const cur = parseNuGetVersion(current);
  if (!cur) return undefined;
  const parsed = served
    .map((s) => ({ s, v: parseNuGetVersion(s) }))
    .filter((x): x is { s: string; v: NuGetVersion } => x.v !== undefined);
  const currentServed = parsed.some((x) => compareNuGetVersions(x.v, cur) === 0);
  const stable = parsed.filter((x) => x.v.pre.length === 0).sort((a, b) => compareNuGetVersions(a.v, b.v));
  const up = stable.find((x) => compareNuGetVersions(x.v, cur) > 0);
  const down = [...stable].reverse().find((x) => compareNuGetVersions(x.v, cur) < 0);
  const pick = up ?? down;
  if (!pick) return undefined;
  const kind = pick.v.parts[0] !== cur.parts[0] ? 'major' : pick.v.parts[1] !== cur.parts[1] ? 'minor' : 'patch';
  return { from: current, to: pick.s, direction: up ? 'up' : 'down', kind, currentServed };
}

/** Packages that ship with (or version with) the shared framework. */
export function isFrameworkPackage(id: string): boolean {
  return /^(Microsoft|System|runtime|NETStandard)\./i.test(id) || /^NETStandard\.Library$/i.test(id);
}

/** Analyzers, test adapters, coverage and versioning tools: not what an app depends on at run time. */
export function isToolingPackage(id: string): boolean {
  return (
    /(^|\.)Analyzers?($|\.)/i.test(id) ||
    /^(StyleCop|SonarAnalyzer|Roslynator|Meziantou\.Analyzer|coverlet|xunit\.runner|NUnit3TestAdapter|MSTest\.TestAdapter|Nerdbank\.GitVersioning|MinVer|GitVersion|Microsoft\.SourceLink|Microsoft\.CodeAnalysis|Microsoft\.NET\.Test\.Sdk)/i.test(id)
  );
}

export interface PackageCandidate {
  id: string;
  /** Repository-relative file (forward slashes) that holds the version. */
  file: string;
  item: PackageItem;
  bump: VersionBump;
  /** Framework, analyzer or build-only (PrivateAssets=all) package. */
  secondary: boolean;
  /** Discovery order: the published project first, then what it references. */
  order: number;
}

const KIND_RANK = { patch: 0, minor: 1, major: 2 } as const;

/** Best first: ordinary packages, unconditional items, currently served versions, patch bumps, upgrades, discovery order. */
export function rankCandidates<T extends Pick<PackageCandidate, 'secondary' | 'bump' | 'order'> & { item: Pick<PackageItem, 'conditional'> }>(list: readonly T[]): T[] {
  const key = (c: T) => [c.secondary ? 1 : 0, c.item.conditional ? 1 : 0, c.bump.currentServed ? 0 : 1, KIND_RANK[c.bump.kind], c.bump.direction === 'up' ? 0 : 1, c.order];
  return [...list].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return (ka[i] ?? 0) - (kb[i] ?? 0);
    return 0;
  });
}

async function getJson(url: string): Promise<{ status: number; json?: unknown }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(30_000), headers: { accept: 'application/json' } });
  if (!r.ok) return { status: r.status };
  return { status: r.status, json: await r.json() };
}

/** Base URL of the PackageBaseAddress/3.0.0 resource in a v3 service index. */
export function packageBaseAddress(serviceIndex: unknown): string | undefined {
  if (typeof serviceIndex !== 'object' || serviceIndex === null) return undefined;
  const resources = (serviceIndex as { resources?: unknown }).resources;
  if (!Array.isArray(resources)) return undefined;
  for (const r of resources) {
    if (typeof r !== 'object' || r === null) continue;
    const { '@id': id, '@type': type } = r as Record<string, unknown>;
    const types = Array.isArray(type) ? type : [type];
    if (typeof id === 'string' && types.some((t) => typeof t === 'string' && t.startsWith('PackageBaseAddress/3.0.0'))) return id.endsWith('/') ? id : `${id}/`;
  }
  return undefined;
}

/** Versions each package id (lower case) is served in, over all sources; undefined = could not ask. */
export async function servedVersions(sources: readonly string[], ids: readonly string[], notes: string[]): Promise<Map<string, string[] | undefined>> {
  const bases: string[] = [];
  for (const s of sources) {
    try {
      const r = await getJson(s);
      const base = packageBaseAddress(r.json);
      if (base) bases.push(base);
      else notes.push(`NuGet source ${s}: no PackageBaseAddress/3.0.0 in its service index (HTTP ${r.status}); not asked`);
    } catch (err) {
      notes.push(`NuGet source ${s}: ${(err as Error).message}; not asked`);
    }
  }
  const out = new Map<string, string[] | undefined>();
  const queue = [...new Set(ids.map((i) => i.toLowerCase()))].sort(byCodeUnits);
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const versions = new Set<string>();
      let asked = false;
      for (const base of bases) {
        try {
          const r = await getJson(`${base}${encodeURIComponent(id)}/index.json`);
          asked = true;
          const v = (r.json as { versions?: unknown } | undefined)?.versions;
          if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') versions.add(x);
        } catch {
          // an unreachable source for this id: the others may still answer
        }
      }
      out.set(id, asked ? [...versions] : undefined);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return out;
}
