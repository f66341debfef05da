/**
 * Scenario detection on the sample solution treated as somebody else's repository (no
 * fixture.json): asks the machine's NuGet source and restores on the host with `dotnet`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectDotnetScenarios, type DetectionResult } from '../../src/target/dotnet/detect.ts';
import type { Edit } from '../../src/target/fixture.ts';
import { projectRoot } from '../../src/paths.ts';
import { execa } from 'execa';
import { loadTarget } from '../../src/target/index.ts';
import { UsageError } from '../../src/errors.ts';
import type { RunOptions } from '../../src/options.ts';

const sample = path.join(projectRoot, 'fixtures', 'dotnet-sample');
const tmp: string[] = [];

function copySample(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-detect-'));
  tmp.push(dir);
  cpSync(sample, dir, { recursive: true, filter: (src) => !['bin', 'obj'].includes(path.basename(src)) });
  rmSync(path.join(dir, 'fixture.json'));
  return dir;
}

function detectTemps(): string[] {
  return readdirSync(os.tmpdir()).filter((e) => e.startsWith('cachebench-detect-'));
}

/** Same semantics as scenarios/edits.ts, without the git commit. */
function apply(dir: string, e: Edit): void {
  const file = path.join(dir, e.file);
  if (e.create !== undefined) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, e.create);
  } else if (e.replace !== undefined) {
    writeFileSync(file, readFileSync(file, 'utf8').replace(e.replace, e.with ?? ''));
  } else if (e.append !== undefined) {
    writeFileSync(file, `${readFileSync(file, 'utf8')}${e.append}\n`);
  }
}

let repo: string;
let result: DetectionResult;
let seconds: number;
let tempsBefore: string[];

before(async () => {
  repo = copySample();
  tempsBefore = detectTemps();
  const started = performance.now();
  result = await detectDotnetScenarios(repo, { dockerfile: 'Dockerfile', log: (s) => process.stderr.write(`# ${s}\n`) });
  seconds = (performance.now() - started) / 1000;
  process.stderr.write(`# detection with restore check: ${seconds.toFixed(1)} s\n`);
});

after(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

test('the sample, as an outside repository, gets a code change in Sample.Api and a served, restoring version bump', () => {
  assert.ok(result.ok, result.ok ? '' : `${result.problems.join('\n')}\n${result.suggestion}`);
  const code = result.scenarios['code-change']?.edits ?? [];
  const dep = result.scenarios['dependency-change']?.edits ?? [];
  assert.equal(code.length, 1);
  assert.equal(dep.length, 1);
  const [c] = code;
  const [d] = dep;
  assert.ok(c && d);

  assert.match(c.file, /^Sample\.Api\/[^/]+\.cs$/);
  assert.ok(c.create !== undefined || (c.replace !== undefined && existsSync(path.join(repo, c.file))));
  if (c.create !== undefined) {
    assert.equal(existsSync(path.join(repo, c.file)), false, 'a new file, so the context and the assembly change');
    assert.match(c.create, /class \w+/);
  }

  assert.match(d.file, /\.(csproj|props)$/);
  assert.ok(d.replace && d.with !== undefined && d.replace !== d.with);
  const before = readFileSync(path.join(repo, d.file), 'utf8');
  assert.equal(before.split(d.replace).length - 1, 1, 'the replace text occurs exactly once');
  assert.match(d.replace, /Version/);

  // Both edits apply to the copy, and the project file then names the new version.
  apply(repo, c);
  apply(repo, d);
  assert.ok(existsSync(path.join(repo, c.file)));
  const afterText = readFileSync(path.join(repo, d.file), 'utf8');
  assert.ok(afterText.includes(d.with ?? ''));
  assert.notEqual(afterText, before);

  assert.deepEqual(result.skipped, [], 'both scenarios found: nothing skipped');
  assert.ok(result.notes.some((n) => n.startsWith('project: Sample.Api/Sample.Api.csproj')), result.notes.join('\n'));
  assert.ok(result.notes.some((n) => /^restore check: the unmodified project restored in/.test(n)), result.notes.join('\n'));
  assert.ok(result.notes.some((n) => /^restore check: \S+ \S+ -> \S+ in .* restored in/.test(n)), result.notes.join('\n'));
  process.stderr.write(`# picked: ${c.file}; ${result.scenarios['dependency-change']?.description}\n`);
});

test('the restore copy is cleaned up', () => {
  assert.deepEqual(detectTemps().filter((e) => !tempsBefore.includes(e)), []);
});

test('detection is deterministic', async () => {
  const a = await detectDotnetScenarios(copySample(), { dockerfile: 'Dockerfile', verifyRestore: false });
  const b = await detectDotnetScenarios(copySample(), { dockerfile: 'Dockerfile', verifyRestore: false });
  assert.ok(a.ok && b.ok && result.ok);
  assert.deepEqual(a.scenarios, b.scenarios);
  // The restore check accepted the first-ranked candidate for the sample.
  assert.deepEqual(a.scenarios, result.scenarios);
});

test('central package management: the bump is a PackageVersion in Directory.Packages.props, and it restores', async () => {
  const dir = copySample();
  const versions: string[] = [];
  for (const p of ['Sample.Api', 'Sample.Application', 'Sample.Domain', 'Sample.Infrastructure', 'Sample.Tests']) {
    const file = path.join(dir, p, `${p}.csproj`);
    const xml = readFileSync(file, 'utf8').replace(/<PackageReference Include="([^"]+)" Version="([^"]+)"/g, (_m, id: string, v: string) => {
      if (!versions.some((x) => x.includes(`"${id}"`))) versions.push(`    <PackageVersion Include="${id}" Version="${v}" />`);
      return `<PackageReference Include="${id}"`;
    });
    writeFileSync(file, xml);
  }
  writeFileSync(
    path.join(dir, 'Directory.Packages.props'),
    `<Project>\n  <PropertyGroup>\n    <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>\n  </PropertyGroup>\n  <ItemGroup>\n${versions.join('\n')}\n  </ItemGroup>\n</Project>\n`,
  );
  const r = await detectDotnetScenarios(dir, { dockerfile: 'Dockerfile' });
  assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
  const [d] = r.scenarios['dependency-change']?.edits ?? [];
  assert.equal(d?.file, 'Directory.Packages.props');
  assert.equal(d?.replace, 'Include="Newtonsoft.Json" Version="13.0.3"');
  assert.equal(d?.with, 'Include="Newtonsoft.Json" Version="13.0.4"');
  assert.ok(r.notes.some((n) => /^restore check: \S+ \S+ -> \S+ in .* restored in/.test(n)), r.notes.join('\n'));
});

test('a project that does not restore from the source as it is: detection says so, and --repo stops before any build', async () => {
  const dir = copySample();
  const csproj = path.join(dir, 'Sample.Infrastructure', 'Sample.Infrastructure.csproj');
  // Dapper is served, but not at this version: NU1102, as for a template that needs a newer package than the feed has.
  writeFileSync(csproj, readFileSync(csproj, 'utf8').replace('Include="Dapper" Version="2.1.86"', 'Include="Dapper" Version="2.1.9999"'));
  const r = await detectDotnetScenarios(dir, { dockerfile: 'Dockerfile' });
  assert.match(r.unrestorable ?? '', /dotnet restore .*NU1102/);
  assert.ok(r.ok, 'the code change is still found');
  assert.ok(!r.notes.some((n) => / -> /.test(n)), `no bump is tried: ${r.notes.join('\n')}`);
  assert.match(r.skipped.find((x) => x.scenario === 'dependency-change')?.reason ?? '', /not checked: .*NU1102/);

  for (const [cmd, args] of [['git', ['init', '-q']], ['git', ['add', '-A']], ['git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'x']]] as const) await execa(cmd, [...args], { cwd: dir });
  await assert.rejects(
    loadTarget({ repo: dir } as RunOptions),
    (e: Error) => e instanceof UsageError && /cannot be built on this machine: .*NU1102.*would fail the same way/.test(e.message) && /change the reference the error names/.test(e.hint ?? ''),
  );
});

test('a Dockerfile without dotnet publish/build: ok:false with a suggestion naming the config fields', async () => {
  const dir = copySample();
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\nWORKDIR /app\nCOPY . .\nRUN echo "no dotnet here"\n');
  const r = await detectDotnetScenarios(dir, { dockerfile: 'Dockerfile' });
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.match(r.problems.join('\n'), /dotnet publish/);
  const s = JSON.parse(r.suggestion) as Record<string, unknown>;
  assert.equal(s.dockerfile, 'Dockerfile');
  assert.equal(s.context, '.');
  for (const field of ['"scenarios"', '"code-change"', '"dependency-change"', '"edits"', '"file"', '"replace"', '"with"', '"dockerfile"', '"context"']) {
    assert.ok(r.suggestion.includes(field), `suggestion names ${field}`);
  }
});

test('a missing Dockerfile and a solution with two apps are reported, not guessed', async () => {
  const dir = copySample();
  const noDockerfile = await detectDotnetScenarios(dir, { dockerfile: 'Nope.Dockerfile' });
  assert.ok(!noDockerfile.ok);
  assert.match(noDockerfile.problems[0] ?? '', /no Dockerfile at/);

  mkdirSync(path.join(dir, 'Sample.Worker'));
  writeFileSync(path.join(dir, 'Sample.Worker', 'Sample.Worker.csproj'), '<Project Sdk="Microsoft.NET.Sdk.Worker"></Project>\n');
  writeFileSync(
    path.join(dir, 'Sample.sln'),
    `${readFileSync(path.join(dir, 'Sample.sln'), 'utf8')}\nProject("{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}") = "Sample.Worker", "Sample.Worker\\Sample.Worker.csproj", "{0}"\nEndProject\n`,
  );
  writeFileSync(path.join(dir, 'Dockerfile'), readFileSync(path.join(dir, 'Dockerfile'), 'utf8').replace('dotnet publish Sample.Api/Sample.Api.csproj', 'dotnet publish Sample.sln'));
  const two = await detectDotnetScenarios(dir, { dockerfile: 'Dockerfile' });
  assert.ok(!two.ok);
  assert.match(two.problems.join('\n'), /2 app projects \(Sample\.Api\.csproj, Sample\.Worker\.csproj\)/);
  assert.ok(JSON.parse(two.suggestion));
});
