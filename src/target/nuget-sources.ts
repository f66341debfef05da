/**
 * The machine's NuGet sources, discovered at run time (never committed): a build
 * container restores from the same feed the host uses.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { run } from '../proc.ts';
import { CachebenchError } from '../errors.ts';

export async function discoverNugetSources(cwd?: string): Promise<string[]> {
  const r = await run('dotnet', ['nuget', 'list', 'source', '--format', 'short'], {
    reject: false,
    ...(cwd ? { cwd } : {}),
    env: { DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });
  if (r.exitCode !== 0) {
    throw new CachebenchError('could not list the machine\'s NuGet sources (`dotnet nuget list source`)', {
      hint: 'install the .NET SDK on the host, or add a package source to the fixture\'s nuget.config yourself',
    });
  }
  return parseSourceList(r.stdout);
}

/** `E https://…` lines (enabled sources) of `dotnet nuget list source --format short`. */
export function parseSourceList(out: string): string[] {
  return out
    .split('\n')
    .map((l) => /^\s*E\w*\s+(\S+)/.exec(l)?.[1])
    .filter((u): u is string => u !== undefined && /^https?:\/\//.test(u));
}

/** Writes `sources` into a nuget.config that starts its packageSources with <clear />. */
export function writeSources(nugetConfig: string, sources: string[]): void {
  if (sources.length === 0) throw new CachebenchError('no enabled NuGet source on this machine', { hint: 'add one with `dotnet nuget add source URL`' });
  const adds = sources.map((s, i) => `    <add key="source-${i}" value="${s.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}" />`).join('\n');
  let xml = existsSync(nugetConfig)
    ? readFileSync(nugetConfig, 'utf8')
    : '<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n    <clear />\n  </packageSources>\n</configuration>\n';
  if (/<clear\s*\/>/.test(xml)) xml = xml.replace(/([ \t]*)<clear\s*\/>/, (_m, indent: string) => `${indent}<clear />\n${adds}`);
  else if (/<packageSources>/.test(xml)) xml = xml.replace('<packageSources>', `<packageSources>\n${adds}`);
  else xml = xml.replace('</configuration>', `  <packageSources>\n${adds}\n  </packageSources>\n</configuration>`);
  writeFileSync(nugetConfig, xml);
}
