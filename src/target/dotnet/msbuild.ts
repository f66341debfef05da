/**
 * MSBuild files: solutions (.sln, .slnx), project kinds, project references, and the
 * package items (PackageReference, central PackageVersion, GlobalPackageReference) with
 * a replace text that bumps their version in place.
 *
 * Read with regular expressions over the text on purpose: a version bump must edit the
 * file byte for byte as written (quotes, attribute order, whitespace), which an XML
 * parser's tree does not keep; each match is checked to occur exactly once.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findUp, rel } from './files.ts';

export const PROJECT_EXT = /\.(csproj|fsproj|vbproj|proj)$/i;
export const SOLUTION_EXT = /\.(sln|slnx|slnf)$/i;

/** Project paths (relative to the solution's folder, forward slashes) listed in a .sln or .slnx. */
export function parseSolutionProjects(text: string, kind: 'sln' | 'slnx'): string[] {
  const out: string[] = [];
  if (kind === 'sln') {
    for (const m of text.matchAll(/^Project\("\{[^}]*\}"\)\s*=\s*"[^"]*"\s*,\s*"([^"]+)"/gm)) {
      if (PROJECT_EXT.test(m[1] ?? '')) out.push((m[1] ?? '').replace(/\\/g, '/'));
    }
  } else {
    for (const m of text.matchAll(/<Project\b[^>]*?\bPath\s*=\s*(?:"([^"]+)"|'([^']+)')/g)) out.push((m[1] ?? m[2] ?? '').replace(/\\/g, '/'));
  }
  return out;
}

export interface ProjectKind {
  app: boolean;
  test: boolean;
}

export function projectKind(file: string, xml: string): ProjectKind {
  const sdk = /<Project\b[^>]*\bSdk\s*=\s*["']([^"']+)["']/i.exec(xml)?.[1] ?? '';
  const outputType = /<OutputType>\s*([^<\s]+)\s*<\/OutputType>/i.exec(xml)?.[1]?.toLowerCase();
  const test =
    /<IsTestProject>\s*true\s*<\/IsTestProject>/i.test(xml) ||
    /Include\s*=\s*["'](Microsoft\.NET\.Test\.Sdk|xunit|xunit\.v3|NUnit|MSTest\.TestFramework|MSTest)["']/i.test(xml) ||
    /\.(Tests?|UnitTests|IntegrationTests|Specs)\.csproj$/i.test(file);
  const app = /Microsoft\.NET\.Sdk\.(Web|Worker|BlazorWebAssembly)/i.test(sdk) || outputType === 'exe' || outputType === 'winexe';
  return { app, test };
}

export type PackageElement = 'PackageReference' | 'PackageVersion' | 'GlobalPackageReference';

export interface PackageItem {
  element: PackageElement;
  id: string;
  /** The version as written. */
  version: string;
  form: 'attribute' | 'element';
  /** Text of the file that holds the id and the version, occurring exactly once in it. */
  replace: string;
  /** Offset of the version value inside `replace`. */
  versionAt: number;
  /** The item or its ItemGroup/Choose has a Condition. */
  conditional: boolean;
  /** PrivateAssets="all": a build-time tool, not part of the output's dependencies. */
  privateAssets: boolean;
  /** Position in the file (document order). */
  offset: number;
}

export interface PackageItems {
  items: PackageItem[];
  /** PackageReference ids without a version (centrally managed). */
  unversioned: string[];
  /** Items that cannot be bumped, with the reason. */
  skipped: string[];
}

const ATTRS = String.raw`((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)`;
const PLAIN_VERSION = /^\d+(\.\d+){0,3}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

interface Attr {
  name: string;
  value: string;
  /** Absolute offsets of the whole attribute and of its value. */
  start: number;
  end: number;
  valueStart: number;
}

function parseAttrs(attrs: string, base: number): Attr[] {
  const out: Attr[] = [];
  for (const m of attrs.matchAll(/([\w:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    const start = base + (m.index ?? 0);
    const quoted = m[2] ?? '';
    out.push({ name: m[1] ?? '', value: m[3] ?? m[4] ?? '', start, end: start + m[0].length, valueStart: start + m[0].length - quoted.length + 1 });
  }
  return out;
}

function rangesOf(xml: string, open: RegExp, close: string, pred: (openText: string) => boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const m of xml.matchAll(open)) {
    if (!pred(m[0])) continue;
    const from = m.index ?? 0;
    const end = xml.indexOf(close, from);
    out.push([from, end < 0 ? xml.length : end]);
  }
  return out;
}

function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Where the version of an item is written: its value, absolute offset, and the candidate replace spans (shortest first). */
interface VersionSite {
  version: string;
  offset: number;
  spans: Array<[number, number]>;
  form: PackageItem['form'];
}

function versionSite(attrs: readonly Attr[], idAttr: Attr, body: string, start: number, tagEnd: number): VersionSite | undefined {
  const versionAttr = attrs.find((a) => a.name.toLowerCase() === 'versionoverride') ?? attrs.find((a) => a.name.toLowerCase() === 'version');
  let site: VersionSite;
  if (versionAttr) {
    const lo = Math.min(idAttr.start, versionAttr.start);
    const hi = Math.max(idAttr.end, versionAttr.end);
    site = { version: versionAttr.value, offset: versionAttr.valueStart, spans: [[lo, hi], [start, tagEnd]], form: 'attribute' };
  } else {
    const c = /<(VersionOverride|Version)\s*>([^<]*)<\/\1\s*>/.exec(body);
    if (!c) return undefined;
    const childStart = tagEnd + c.index;
    const childEnd = childStart + c[0].length;
    site = { version: c[2] ?? '', offset: childStart + c[0].indexOf('>') + 1, spans: [[idAttr.start, childEnd], [start, childEnd]], form: 'element' };
  }
  const lead = site.version.length - site.version.trimStart().length;
  return { ...site, offset: site.offset + lead, version: site.version.trim() };
}

type TagResult = { item: PackageItem } | { unversioned: string } | { skipped: string } | undefined;

/** One package item tag at `m`: a bumpable item, an unversioned reference, or why it cannot be bumped. */
function packageItem(xml: string, m: RegExpMatchArray, conditionalScope: (at: number) => boolean): TagResult {
  const start = m.index ?? 0;
  const element = m[1] as PackageElement;
  const tagEnd = start + m[0].length;
  const attrs = parseAttrs(m[2] ?? '', start + 1 + element.length);
  const idAttr = attrs.find((a) => a.name === 'Include') ?? attrs.find((a) => a.name === 'Update');
  if (!idAttr) return undefined;
  const id = idAttr.value.trim();
  let body = '';
  if (m[3] !== '/') {
    const close = xml.indexOf(`</${element}`, tagEnd);
    body = xml.slice(tagEnd, close < 0 ? tagEnd : close);
  }
  const site = versionSite(attrs, idAttr, body, start, tagEnd);
  if (!site) return element === 'PackageReference' ? { unversioned: id } : undefined;
  if (/[;*$@]/.test(id)) return { skipped: `${id}: the item names several or computed packages` };
  if (!PLAIN_VERSION.test(site.version)) return { skipped: `${id} ${site.version}: not a plain version (range, wildcard or property)` };
  const span = site.spans.find(([a, b]) => countOccurrences(xml, xml.slice(a, b)) === 1);
  if (!span) return { skipped: `${id} ${site.version}: its text occurs more than once in the file` };
  const privateAssets =
    attrs.some((a) => a.name.toLowerCase() === 'privateassets' && a.value.trim().toLowerCase() === 'all') || /<PrivateAssets>\s*all\s*<\/PrivateAssets>/i.test(body);
  return {
    item: {
      element,
      id,
      version: site.version,
      form: site.form,
      replace: xml.slice(span[0], span[1]),
      versionAt: site.offset - span[0],
      conditional: attrs.some((a) => a.name === 'Condition') || conditionalScope(start),
      privateAssets,
      offset: start,
    },
  };
}

/** PackageReference / PackageVersion / GlobalPackageReference items of an MSBuild file, with bumpable replace texts. */
export function parsePackageItems(xml: string, elements: readonly PackageElement[] = ['PackageReference', 'PackageVersion', 'GlobalPackageReference']): PackageItems {
  const comments = rangesOf(xml, /<!--/g, '-->', () => true);
  const conditionalScopes = [
    ...rangesOf(xml, new RegExp(`<ItemGroup\\b${ATTRS}\\s*>`, 'g'), '</ItemGroup', (t) => /\bCondition\s*=/.test(t)),
    ...rangesOf(xml, /<Choose\b[^>]*>/g, '</Choose', () => true),
  ];
  const inside = (ranges: Array<[number, number]>, at: number) => ranges.some(([a, b]) => at > a && at < b);
  const out: PackageItems = { items: [], unversioned: [], skipped: [] };
  for (const m of xml.matchAll(new RegExp(`<(${elements.join('|')})${ATTRS}\\s*(\\/?)>`, 'g'))) {
    if (inside(comments, m.index ?? 0)) continue;
    const r = packageItem(xml, m, (at) => inside(conditionalScopes, at));
    if (!r) continue;
    if ('item' in r) out.items.push(r.item);
    else if ('unversioned' in r) out.unversioned.push(r.unversioned);
    else out.skipped.push(r.skipped);
  }
  return out;
}

/** The `replace`/`with` pair that moves `item` to `newVersion`. */
export function versionEdit(item: PackageItem, newVersion: string): { replace: string; with: string } {
  return {
    replace: item.replace,
    with: item.replace.slice(0, item.versionAt) + newVersion + item.replace.slice(item.versionAt + item.version.length),
  };
}

/** ProjectReference paths of a project file (forward slashes, as written). */
export function parseProjectReferences(xml: string): string[] {
  const comments = rangesOf(xml, /<!--/g, '-->', () => true);
  const out: string[] = [];
  for (const m of xml.matchAll(new RegExp(`<ProjectReference${ATTRS}\\s*\\/?>`, 'g'))) {
    if (comments.some(([a, b]) => (m.index ?? 0) > a && (m.index ?? 0) < b)) continue;
    const inc = parseAttrs(m[1] ?? '', 0).find((a) => a.name === 'Include');
    if (inc) out.push(inc.value.trim().replace(/\\/g, '/'));
  }
  return out;
}

/** The project and every project it references, transitively (breadth first, document order). */
export function projectClosure(root: string, notes: string[]): string[] {
  const seen = new Set<string>([root]);
  const order = [root];
  for (let i = 0; i < order.length; i++) {
    const p = order[i] ?? '';
    for (const ref of parseProjectReferences(readFileSync(p, 'utf8'))) {
      if (ref.includes('$(')) {
        notes.push(`${path.basename(p)}: ProjectReference ${ref} uses a property; not followed`);
        continue;
      }
      const abs = path.resolve(path.dirname(p), ref);
      if (!existsSync(abs)) {
        notes.push(`${path.basename(p)}: ProjectReference ${ref} does not exist; not followed`);
        continue;
      }
      if (!seen.has(abs)) {
        seen.add(abs);
        order.push(abs);
      }
    }
  }
  return order;
}

export interface FoundItem {
  file: string;
  item: PackageItem;
  order: number;
}

/** Versioned package items that reach the project: its own, its references', Directory.Build.* and central versions. */
export function collectPackageItems(closure: readonly string[], repoDir: string, notes: string[]): FoundItem[] {
  const found = new Map<string, FoundItem>();
  let order = 0;
  const add = (file: string, item: PackageItem) => {
    const key = `${file}#${item.offset}`;
    if (!found.has(key)) found.set(key, { file, item, order: order++ });
  };
  const skippedSeen = new Set<string>();
  const parse = (file: string, elements: readonly PackageElement[]) => {
    const r = parsePackageItems(readFileSync(file, 'utf8'), elements);
    for (const s of r.skipped) {
      const msg = `${rel(repoDir, file)}: ${s}`;
      if (!skippedSeen.has(msg)) {
        skippedSeen.add(msg);
        notes.push(`not bumpable: ${msg}`);
      }
    }
    return r;
  };
  for (const project of closure) {
    const dir = path.dirname(project);
    const central = new Set<string>();
    for (const file of [project, findUp(dir, 'Directory.Build.props', repoDir), findUp(dir, 'Directory.Build.targets', repoDir)]) {
      if (!file) continue;
      const r = parse(file, ['PackageReference']);
      for (const item of r.items) add(file, item);
      for (const id of r.unversioned) central.add(id.toLowerCase());
    }
    const packagesProps = findUp(dir, 'Directory.Packages.props', repoDir);
    if (packagesProps) {
      const r = parse(packagesProps, ['PackageVersion', 'GlobalPackageReference']);
      for (const item of r.items) {
        if (item.element === 'GlobalPackageReference' || central.has(item.id.toLowerCase())) add(packagesProps, item);
      }
    }
  }
  return [...found.values()];
}
