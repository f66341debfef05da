import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dockerignoreExcludes } from '../../src/dockerfile/ignore.ts';
import { shellCommands } from '../../src/dockerfile/shell.ts';
import { firstSourceFile } from '../../src/target/dotnet/code-change.ts';
import { parseDockerfile, parseDotnetArgs } from '../../src/target/dotnet/dockerfile.ts';
import { parsePackageItems, parseProjectReferences, parseSolutionProjects, versionEdit } from '../../src/target/dotnet/msbuild.ts';
import { chooseVersionBump, packageBaseAddress, rankCandidates, type PackageCandidate } from '../../src/target/dotnet/nuget.ts';
import { findPublishedProject } from '../../src/target/dotnet/published.ts';
import { detectDotnetScenarios } from '../../src/target/dotnet/detect.ts';
import { PROJECT_REFS_FILES } from './helpers/project-refs-repo.ts';
import { projectRoot } from '../../src/paths.ts';

const temps: string[] = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-detect-unit-'));
  temps.push(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

const CSPROJ = '<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n';

// --- Dockerfile ------------------------------------------------------------------------

test('dotnet publish with continuation lines, flags before and after the path', () => {
  const p = parseDockerfile(
    [
      'FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build',
      'WORKDIR /src',
      'COPY . .',
      'RUN dotnet restore \\',
      '    && dotnet publish \\',
      '       # a comment inside the continuation',
      '       -c Release \\',
      '       src/App/App.csproj \\',
      '       -o /app/out --no-restore',
    ].join('\n'),
  );
  const publish = p.commands.find((c) => c.verb === 'publish');
  assert.ok(publish);
  assert.equal(publish.target, 'src/App/App.csproj');
  assert.equal(publish.cwd, '/src');
  assert.equal(publish.options.configuration, 'Release');
  assert.equal(publish.options.output, '/app/out');
  assert.equal(publish.options['no-restore'], true);
  assert.equal(publish.line, 4);
  const restore = p.commands.find((c) => c.verb === 'restore');
  assert.equal(restore?.target, undefined);
});

test('dotnet argument parsing: value options, inline values, optional booleans, MSBuild switches', () => {
  assert.deepEqual(parseDotnetArgs(['-c', 'Release', '-o', '/out', './App']), { target: './App', options: { configuration: 'Release', output: '/out' } });
  assert.deepEqual(parseDotnetArgs(['--output=/out', '--self-contained', 'false', '-r', 'linux-x64']).target, undefined);
  assert.equal(parseDotnetArgs(['--sc', 'App.csproj']).target, 'App.csproj');
  assert.equal(parseDotnetArgs(['-p:Version=1.2.3', '/p:Foo=bar', '/m', 'App.csproj']).target, 'App.csproj');
  assert.equal(parseDotnetArgs(['-p', 'Foo=bar', 'App.csproj']).target, 'App.csproj');
  assert.equal(parseDotnetArgs(['/src/App/App.csproj', '-c', 'Release']).target, '/src/App/App.csproj');
  assert.equal(parseDotnetArgs(['App.csproj', '>', '/tmp/log', '2>&1']).target, 'App.csproj');
  assert.deepEqual(parseDotnetArgs([]), { options: {} });
});

test('RUN forms: mount flags, cd, exec form, heredoc, ARG/ENV variables, backtick escape', () => {
  const p = parseDockerfile(
    [
      'ARG PROJECT=Api/Api.csproj',
      'FROM sdk AS build',
      'ARG PROJECT',
      'ENV CONFIG=Release',
      'WORKDIR /app',
      'RUN --mount=type=cache,target=/root/.nuget/packages cd src && dotnet build',
      'RUN ["dotnet", "publish", "Worker/Worker.csproj", "-c", "Release"]',
      'RUN dotnet publish "${PROJECT}" -c $CONFIG -o /out',
      'RUN <<EOF',
      'set -e',
      'dotnet restore Api/Api.csproj',
      'EOF',
      'RUN for f in *.csproj; do d="${f%.csproj}"; mkdir -p "$d" && mv "$f" "$d/"; done',
    ].join('\n'),
  );
  const [build, exec, vars, heredoc, ...rest] = p.commands;
  assert.equal(rest.length, 0);
  assert.deepEqual([build?.verb, build?.target, build?.cwd], ['build', undefined, '/app/src']);
  assert.deepEqual([exec?.verb, exec?.target, exec?.cwd], ['publish', 'Worker/Worker.csproj', '/app']);
  assert.deepEqual([vars?.target, vars?.options.configuration], ['Api/Api.csproj', 'Release']);
  assert.deepEqual([heredoc?.verb, heredoc?.target], ['restore', 'Api/Api.csproj']);

  const bt = parseDockerfile(['# escape=`', 'FROM sdk', 'WORKDIR C:/src', 'RUN dotnet publish `', '  App.csproj -c Release'].join('\n'));
  assert.equal(bt.commands[0]?.target, 'App.csproj');
});

test('stages inherit WORKDIR from the stage they are built FROM; COPY --from is not the context', () => {
  const p = parseDockerfile(
    [
      'FROM sdk AS base',
      'WORKDIR /src',
      'COPY . .',
      'FROM base AS publish',
      'RUN dotnet publish App/App.csproj',
      'FROM runtime',
      'COPY --from=publish /src/out /app',
    ].join('\n'),
  );
  assert.deepEqual(p.stages.map((s) => [s.name, s.parent]), [['base', undefined], ['publish', 0], [undefined, undefined]]);
  assert.equal(p.commands[0]?.cwd, '/src');
  assert.equal(p.copies.length, 1);
});

test('shell splitting keeps quotes and $(...) together', () => {
  assert.deepEqual(shellCommands('a "b c" \'d e\' && f $(g h) ; i\\ j | k # comment'), [['a', 'b c', 'd e'], ['f', '$(g h)'], ['i j'], ['k']]);
});

test('the published project is mapped through COPY into the context; solutions pick their one app', () => {
  const dir = tree({
    'Web/Web.csproj': CSPROJ,
    'Lib/Lib.csproj': '<Project Sdk="Microsoft.NET.Sdk"></Project>',
    'Web.Tests/Web.Tests.csproj': '<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" /></ItemGroup></Project>',
    'All.sln': [
      'Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Web", "Web\\Web.csproj", "{1}"',
      'Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Lib", "Lib\\Lib.csproj", "{2}"',
      'Project("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Web.Tests", "Web.Tests\\Web.Tests.csproj", "{3}"',
    ].join('\n'),
  });
  const viaCopy = findPublishedProject(parseDockerfile('FROM sdk\nWORKDIR /build\nCOPY Web/ ./web/\nRUN dotnet publish web/Web.csproj -c Release'), dir);
  assert.ok('project' in viaCopy, JSON.stringify(viaCopy));
  assert.equal(viaCopy.project, path.join(dir, 'Web/Web.csproj'));

  const folder = findPublishedProject(parseDockerfile('FROM sdk\nWORKDIR /src\nCOPY . .\nWORKDIR /src/Web\nRUN dotnet publish -o /out'), dir);
  assert.ok('project' in folder);
  assert.equal(folder.project, path.join(dir, 'Web/Web.csproj'));

  const sln = findPublishedProject(parseDockerfile('FROM sdk\nWORKDIR /src\nCOPY All.sln ./\nCOPY . .\nRUN dotnet restore All.sln\nRUN dotnet publish All.sln -c Release'), dir);
  assert.ok('project' in sln);
  assert.equal(sln.project, path.join(dir, 'Web/Web.csproj'));
  assert.equal(sln.restoreTarget, path.join(dir, 'All.sln'));

  const none = findPublishedProject(parseDockerfile('FROM alpine\nRUN echo hello'), dir);
  assert.ok('problems' in none);
  assert.match(none.problems[0] ?? '', /no RUN line with `dotnet publish` or `dotnet build`/);

  const missing = findPublishedProject(parseDockerfile('FROM sdk\nWORKDIR /src\nCOPY . .\nRUN dotnet publish Nope/Nope.csproj'), dir);
  assert.ok('problems' in missing);
  assert.match(missing.problems[0] ?? '', /not found in the build context/);

  const two = findPublishedProject(parseDockerfile('FROM sdk\nWORKDIR /src\nCOPY . .\nRUN dotnet publish Web/Web.csproj\nRUN dotnet publish Lib/Lib.csproj'), dir);
  assert.ok('problems' in two);
  assert.match(two.problems[0] ?? '', /publishes 2 different projects/);
});

test('the sample fixture: the Dockerfile publishes Sample.Api and restores Sample.sln', () => {
  const dir = path.join(projectRoot, 'fixtures', 'dotnet-sample');
  const r = findPublishedProject(parseDockerfile(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')), dir);
  assert.ok('project' in r, JSON.stringify(r));
  assert.equal(path.relative(dir, r.project), path.join('Sample.Api', 'Sample.Api.csproj'));
  assert.equal(r.restoreTarget, path.join(dir, 'Sample.sln'));
});

test('solution formats: .sln and .slnx', () => {
  assert.deepEqual(parseSolutionProjects('Project("{X}") = "A", "src\\A\\A.csproj", "{1}"\nProject("{Y}") = "Folder", "Folder", "{2}"', 'sln'), ['src/A/A.csproj']);
  assert.deepEqual(parseSolutionProjects('<Solution><Folder Name="/src/"><Project Path="src/A/A.csproj" /></Folder></Solution>', 'slnx'), ['src/A/A.csproj']);
});

// --- MSBuild items -----------------------------------------------------------------------

test('PackageReference in attribute form, both attribute orders and quote styles', () => {
  const xml = [
    '<Project>',
    '  <ItemGroup>',
    '    <PackageReference Include="Serilog" Version="4.3.1" />',
    "    <PackageReference Version='2.1.66' Include='Dapper' />",
    '    <PackageReference Include="Coverlet.Collector" PrivateAssets="all" Version="6.0.4" />',
    '    <!-- <PackageReference Include="Commented.Out" Version="1.0.0" /> -->',
    '    <PackageReference Include="Floating" Version="1.*" />',
    '    <PackageReference Include="Ranged" Version="[1.0,2.0)" />',
    '    <PackageReference Include="FromProperty" Version="$(FromPropertyVersion)" />',
    '    <PackageReference Include="Central" />',
    '  </ItemGroup>',
    '  <ItemGroup Condition="\'$(TargetFramework)\' == \'net8.0\'">',
    '    <PackageReference Include="Polly" Version="8.5.0" />',
    '  </ItemGroup>',
    '</Project>',
  ].join('\n');
  const r = parsePackageItems(xml);
  assert.deepEqual(r.items.map((i) => [i.id, i.version, i.form, i.conditional, i.privateAssets]), [
    ['Serilog', '4.3.1', 'attribute', false, false],
    ['Dapper', '2.1.66', 'attribute', false, false],
    ['Coverlet.Collector', '6.0.4', 'attribute', false, true],
    ['Polly', '8.5.0', 'attribute', true, false],
  ]);
  assert.deepEqual(r.unversioned, ['Central']);
  assert.equal(r.skipped.length, 3);
  const [serilog, dapper, coverlet] = r.items;
  assert.ok(serilog && dapper && coverlet);
  assert.deepEqual(versionEdit(serilog, '4.4.0'), { replace: 'Include="Serilog" Version="4.3.1"', with: 'Include="Serilog" Version="4.4.0"' });
  assert.deepEqual(versionEdit(dapper, '2.1.86'), { replace: "Version='2.1.66' Include='Dapper'", with: "Version='2.1.86' Include='Dapper'" });
  assert.deepEqual(versionEdit(coverlet, '6.0.5'), {
    replace: 'Include="Coverlet.Collector" PrivateAssets="all" Version="6.0.4"',
    with: 'Include="Coverlet.Collector" PrivateAssets="all" Version="6.0.5"',
  });
  for (const i of r.items) assert.equal(xml.split(i.replace).length, 2, `${i.id}: replace text occurs exactly once`);
});

test('PackageReference with a <Version> child element, and Update items', () => {
  const xml = [
    '<Project>',
    '  <ItemGroup>',
    '    <PackageReference Include="Newtonsoft.Json">',
    '      <Version> 13.0.3 </Version>',
    '      <PrivateAssets>all</PrivateAssets>',
    '    </PackageReference>',
    '    <PackageReference Update="Dapper" Version="2.1.66" />',
    '  </ItemGroup>',
    '</Project>',
  ].join('\n');
  const r = parsePackageItems(xml);
  const [nj, dapper] = r.items;
  assert.ok(nj && dapper);
  assert.deepEqual([nj.id, nj.version, nj.form, nj.privateAssets], ['Newtonsoft.Json', '13.0.3', 'element', true]);
  const e = versionEdit(nj, '13.0.4');
  assert.equal(e.replace, 'Include="Newtonsoft.Json">\n      <Version> 13.0.3 </Version>');
  assert.equal(e.with, 'Include="Newtonsoft.Json">\n      <Version> 13.0.4 </Version>');
  assert.equal(xml.replace(e.replace, e.with).includes('<Version> 13.0.4 </Version>'), true);
  assert.equal(dapper.id, 'Dapper');
});

test('the replace text grows to the whole tag when the short form is not unique', () => {
  const xml = [
    '<Project>',
    '  <ItemGroup Condition="\'$(TargetFramework)\' == \'net8.0\'"><PackageReference Include="A" Version="1.0.0" /></ItemGroup>',
    '  <ItemGroup Condition="\'$(TargetFramework)\' == \'net9.0\'"><PackageReference Include="A" Version="1.0.0" PrivateAssets="all" /></ItemGroup>',
    '</Project>',
  ].join('\n');
  const r = parsePackageItems(xml);
  assert.deepEqual(r.items.map((i) => i.replace), ['<PackageReference Include="A" Version="1.0.0" />', '<PackageReference Include="A" Version="1.0.0" PrivateAssets="all" />']);
  const dup = parsePackageItems('<Project><PackageReference Include="A" Version="1.0.0" /><PackageReference Include="A" Version="1.0.0" /></Project>');
  assert.equal(dup.items.length, 0);
  assert.match(dup.skipped[0] ?? '', /occurs more than once/);
});

test('Directory.Packages.props: PackageVersion and GlobalPackageReference', () => {
  const xml = [
    '<Project>',
    '  <PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup>',
    '  <ItemGroup>',
    '    <PackageVersion Include="Mapster" Version="10.0.13" />',
    '    <PackageVersion Include="FluentValidation" Version="12.1.1" />',
    '    <GlobalPackageReference Include="Nerdbank.GitVersioning" Version="3.7.115" />',
    '  </ItemGroup>',
    '</Project>',
  ].join('\n');
  const r = parsePackageItems(xml, ['PackageVersion', 'GlobalPackageReference']);
  assert.deepEqual(r.items.map((i) => [i.element, i.id, i.version, i.replace]), [
    ['PackageVersion', 'Mapster', '10.0.13', 'Include="Mapster" Version="10.0.13"'],
    ['PackageVersion', 'FluentValidation', '12.1.1', 'Include="FluentValidation" Version="12.1.1"'],
    ['GlobalPackageReference', 'Nerdbank.GitVersioning', '3.7.115', 'Include="Nerdbank.GitVersioning" Version="3.7.115"'],
  ]);
});

test('ProjectReference paths, backslashes normalized, comments ignored', () => {
  assert.deepEqual(
    parseProjectReferences('<ItemGroup><ProjectReference Include="..\\Lib\\Lib.csproj" /><!-- <ProjectReference Include="Old.csproj" /> --><ProjectReference Include="../B/B.csproj"></ProjectReference></ItemGroup>'),
    ['../Lib/Lib.csproj', '../B/B.csproj'],
  );
});

// --- Versions ----------------------------------------------------------------------------

test('version choice: next newer stable, else next older; prereleases ignored; normalized comparison', () => {
  const served = ['9.0.1', '12.0.3-beta1', '12.0.3', '13.0.1', '13.0.2', '13.0.3', '13.0.4', '14.0.1-beta2'];
  assert.deepEqual(chooseVersionBump('13.0.3', served), { from: '13.0.3', to: '13.0.4', direction: 'up', kind: 'patch', currentServed: true });
  assert.deepEqual(chooseVersionBump('13.0.4', served), { from: '13.0.4', to: '13.0.3', direction: 'down', kind: 'patch', currentServed: true });
  assert.equal(chooseVersionBump('12.0.1', served)?.to, '12.0.3');
  assert.equal(chooseVersionBump('12.0.3', served)?.kind, 'major');
  assert.equal(chooseVersionBump('13.0', served)?.to, '13.0.1');
  assert.equal(chooseVersionBump('13.0.0', served)?.currentServed, false);
  assert.deepEqual(chooseVersionBump('2.19.0', ['2.18.0', '2.19.0', '2.20.0'])?.kind, 'minor');
  assert.equal(chooseVersionBump('1.0.0', ['1.0.0']), undefined);
  assert.equal(chooseVersionBump('1.0.0', []), undefined);
  assert.equal(chooseVersionBump('1.0.0-preview.2', ['1.0.0-preview.10', '1.0.0'])?.to, '1.0.0');
  assert.equal(chooseVersionBump('1.2.3.4', ['1.2.3.4', '1.2.3.5'])?.kind, 'patch');
});

test('ranking: ordinary before framework/tooling, unconditional, current served, patch, upgrade, discovery order', () => {
  const c = (id: string, over: Partial<PackageCandidate> & { kind?: 'patch' | 'minor' | 'major'; direction?: 'up' | 'down'; conditional?: boolean; currentServed?: boolean }) => ({
    id,
    secondary: over.secondary ?? false,
    order: over.order ?? 0,
    item: { conditional: over.conditional ?? false },
    bump: { from: '1.0.0', to: '1.0.1', kind: over.kind ?? 'patch', direction: over.direction ?? 'up', currentServed: over.currentServed ?? true },
  });
  const ranked = rankCandidates([
    c('framework', { secondary: true }),
    c('conditional', { conditional: true }),
    c('notServed', { currentServed: false }),
    c('major', { kind: 'major' }),
    c('minor', { kind: 'minor' }),
    c('patchDownFirst', { direction: 'down', order: 1 }),
    c('patchUpLater', { order: 9 }),
    c('patchUpEarlier', { order: 2 }),
  ]);
  assert.deepEqual(ranked.map((x) => x.id), ['patchUpEarlier', 'patchUpLater', 'patchDownFirst', 'minor', 'major', 'notServed', 'conditional', 'framework']);
});

test('service index: the PackageBaseAddress/3.0.0 resource', () => {
  assert.equal(packageBaseAddress({ resources: [{ '@id': 'https://x/reg/', '@type': 'RegistrationsBaseUrl/3.6.0' }, { '@id': 'https://x/flat', '@type': 'PackageBaseAddress/3.0.0' }] }), 'https://x/flat/');
  assert.equal(packageBaseAddress({ resources: 'nope' }), undefined);
  assert.equal(packageBaseAddress(null), undefined);
});

// --- Code change and context -----------------------------------------------------------

test('the first hand-written source file skips generated files, bin/obj and nested projects', () => {
  const dir = tree({
    'App/App.csproj': CSPROJ,
    'App/AssemblyInfo.cs': '',
    'App/Form1.Designer.cs': '',
    'App/GlobalUsings.cs': '',
    'App/Api.g.cs': '',
    'App/obj/Aaa.cs': '',
    'App/Nested/Nested.csproj': CSPROJ,
    'App/Nested/Aaa.cs': '',
    'App/Services/Zed.cs': '',
    'App/Program.cs': '',
  });
  assert.equal(firstSourceFile(path.join(dir, 'App')), path.join(dir, 'App', 'Program.cs'));
  assert.equal(firstSourceFile(path.join(dir, 'App', 'obj')), path.join(dir, 'App', 'obj', 'Aaa.cs'));
});

test('.dockerignore matching: folders, **, negation, last match wins', () => {
  const patterns = ['# build output', '**/bin/', '**/obj/', '*.md', 'docs', '!docs/keep.cs', '/secrets/*'];
  assert.equal(dockerignoreExcludes(patterns, 'Sample.Api/bin/Debug/x.dll'), true);
  assert.equal(dockerignoreExcludes(patterns, 'obj/project.assets.json'), true);
  assert.equal(dockerignoreExcludes(patterns, 'README.md'), true);
  assert.equal(dockerignoreExcludes(patterns, 'Sample.Api/README.md'), false);
  assert.equal(dockerignoreExcludes(patterns, 'docs/a.cs'), true);
  assert.equal(dockerignoreExcludes(patterns, 'docs/keep.cs'), false);
  assert.equal(dockerignoreExcludes(patterns, 'secrets/key'), true);
  assert.equal(dockerignoreExcludes(patterns, 'Sample.Api/CachebenchProbe.cs'), false);
});

test('COPY words and RUN lines come from the Dockerfile model: quoted sources, flags, exec form, <<- heredocs', () => {
  const p = parseDockerfile(
    [
      'FROM sdk AS build',
      'WORKDIR /src',
      'COPY --link --chmod=644 "My App/My App.csproj" Lib/*.csproj ./',
      'COPY ["Other/Other.csproj", "other/"]',
      'COPY --from=base /x /y',
      'RUN --mount=type=secret,id=nuget,target=/root/.nuget/NuGet/NuGet.Config --network=none \\',
      '    # restore first',
      '    dotnet restore "My App/My App.csproj"',
      'RUN <<-EOT',
      '\tcd /src/other',
      '\tdotnet publish Other.csproj -o /out',
      '\tEOT',
    ].join('\n'),
  );
  assert.deepEqual(
    p.copies.map((c) => [c.sources, c.dest, c.destIsDir]),
    [
      [['My App/My App.csproj', 'Lib/*.csproj'], '/src', true],
      [['Other/Other.csproj'], '/src/other', true],
    ],
  );
  assert.deepEqual(p.commands.map((c) => [c.verb, c.target, c.cwd, c.line]), [
    ['restore', 'My App/My App.csproj', '/src', 6],
    ['publish', 'Other.csproj', '/src/other', 9],
  ]);
});

// --- Partial detection ---------------------------------------------------------------------

test('partial detection: a published project with only project references gets code-change; dependency-change is skipped with the reason', async () => {
  const dir = tree(PROJECT_REFS_FILES);
  const r = await detectDotnetScenarios(dir, { dockerfile: 'Dockerfile', verifyRestore: false });
  assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
  assert.deepEqual(Object.keys(r.scenarios), ['code-change']);
  assert.deepEqual(r.scenarios['code-change']?.edits?.map((e) => e.file), ['App/CachebenchProbe.cs']);
  assert.deepEqual(r.skipped, [
    { scenario: 'dependency-change', reason: 'not applicable — the published project App.csproj has no package references (only project references: Lib.csproj)' },
  ]);
  assert.ok(r.notes.includes('project: App/App.csproj (`dotnet publish` on line 7: the Dockerfile\'s COPY instructions map /src/App/App.csproj to it)'), r.notes.join('\n'));
});

test('no scenario detected is a failure naming each reason, with a suggestion', async () => {
  const dir = tree({ ...PROJECT_REFS_FILES, '.dockerignore': '**/bin/\n**/obj/\nApp/*.cs\n' });
  const r = await detectDotnetScenarios(dir, { dockerfile: 'Dockerfile', verifyRestore: false });
  assert.ok(!r.ok);
  assert.deepEqual(r.problems, [
    'code-change: not detected — App/CachebenchProbe.cs is not in the build context (outside it, or left out by .dockerignore)',
    'dependency-change: not applicable — the published project App.csproj has no package references (only project references: Lib.csproj)',
  ]);
  assert.equal((JSON.parse(r.suggestion) as { dockerfile: string }).dockerfile, 'Dockerfile');
  assert.match(r.suggestion, /App\/<SomeFile>\.cs/);
});
