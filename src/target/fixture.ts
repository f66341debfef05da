/**
 * A fixture (or a user's repository) and what each scenario means for it, read from
 * its `fixture.json` (or `cachebench.json`). Validated before any work, with errors that
 * name the field.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths.ts';
import { UsageError } from '../errors.ts';

export interface Edit {
  file: string;
  /** Replace the first occurrence of `replace` with `with`. */
  replace?: string;
  with?: string;
  /** Append a line to the file. */
  append?: string;
  /** Create (or overwrite) the file with this content. */
  create?: string;
}

export interface ScenarioSpec {
  description?: string;
  edits?: Edit[];
}

export interface FixtureConfig {
  name: string;
  description: string;
  /** Absolute path of the fixture's source folder. */
  dir: string;
  dockerfile: string;
  context: string;
  target?: string;
  platform?: string;
  buildArgs: Record<string, string>;
  /**
   * FROM image → local base-image recipe, applied as a named build context
   * (`--build-context IMAGE=docker-image://…`) without editing the Dockerfile.
   */
  imageMap: Record<string, string>;
  /** Build arg → local base-image recipe, used when the official image cannot be pulled. */
  baseImages: Record<string, string>;
  scenarios: Record<string, ScenarioSpec>;
  /** Scenarios detection found no edit for, with why: not run, listed in results.json and the report. */
  skippedScenarios?: Array<{ scenario: string; reason: string }>;
  /** Steps to do in the throwaway clone before the parent commit (e.g. write NuGet sources). */
  prepare: string[];
  expect: { restoreStep?: string; buildStep?: string; dependencyPackage?: { id: string; version: string } };
}

export const BUILTIN_FIXTURES = ['dotnet-sample', 'tiny'] as const;

function str(v: unknown, field: string, file: string): string {
  if (typeof v !== 'string' || v === '') throw new UsageError(`${file}: "${field}" must be a non-empty string`, `fix "${field}" in ${file}`);
  return v;
}

function record(v: unknown, field: string, file: string): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`${file}: "${field}" must be an object of strings`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') throw new UsageError(`${file}: "${field}.${k}" must be a string`);
  return v as Record<string, string>;
}

/** Scenario names a config may declare edits for (the built-in scenario modules that read edits). */
export const EDITABLE_SCENARIOS = ['code-change', 'dependency-change'];

export function parseFixtureConfig(json: unknown, dir: string, file: string, knownScenarios: readonly string[] = EDITABLE_SCENARIOS): FixtureConfig {
  if (typeof json !== 'object' || json === null) throw new UsageError(`${file}: must be a JSON object`);
  const j = json as Record<string, unknown>;
  const scenarios: Record<string, ScenarioSpec> = {};
  const rawScenarios = j.scenarios ?? {};
  if (typeof rawScenarios !== 'object' || rawScenarios === null) throw new UsageError(`${file}: "scenarios" must be an object`);
  for (const [name, spec] of Object.entries(rawScenarios as Record<string, unknown>)) {
    if (!knownScenarios.includes(name)) {
      throw new UsageError(`${file}: "scenarios.${name}": unknown scenario`, `declare edits for ${knownScenarios.join(' or ')}; other scenarios are modules in scenarios/`);
    }
    const s = spec as { description?: unknown; edits?: unknown };
    if (typeof s !== 'object' || s === null) throw new UsageError(`${file}: "scenarios.${name}" must be an object`);
    if (s.edits !== undefined && !Array.isArray(s.edits)) throw new UsageError(`${file}: "scenarios.${name}.edits" must be an array`);
    const edits = ((s.edits as unknown[] | undefined) ?? []).map((e, i) => {
      const field = `scenarios.${name}.edits[${i}]`;
      const ed = e as Record<string, unknown>;
      const edit: Edit = { file: str(ed.file, `${field}.file`, file) };
      const kinds = ['replace', 'append', 'create'].filter((k) => ed[k] !== undefined);
      if (kinds.length !== 1) throw new UsageError(`${file}: "${field}" needs exactly one of replace/with, append, create (has ${kinds.join(', ') || 'none'})`);
      if (ed.replace !== undefined) {
        edit.replace = str(ed.replace, `${field}.replace`, file);
        if (typeof ed.with !== 'string') throw new UsageError(`${file}: "${field}.with" must be a string`);
        edit.with = ed.with;
      }
      if (ed.append !== undefined) edit.append = str(ed.append, `${field}.append`, file);
      if (ed.create !== undefined) {
        if (typeof ed.create !== 'string') throw new UsageError(`${file}: "${field}.create" must be a string`);
        edit.create = ed.create;
      }
      if (edit.replace === undefined && edit.create === undefined && !existsSync(path.join(dir, edit.file))) {
        throw new UsageError(`${file}: "${field}.file": ${edit.file} does not exist in ${dir}`);
      }
      if (edit.replace !== undefined) {
        const target = path.join(dir, edit.file);
        if (!existsSync(target)) throw new UsageError(`${file}: "${field}.file": ${edit.file} does not exist in ${dir}`);
        if (!readFileSync(target, 'utf8').includes(edit.replace)) {
          throw new UsageError(`${file}: "${field}.replace": "${edit.replace}" does not occur in ${edit.file}`, 'make the edit match the file as committed');
        }
      }
      return edit;
    });
    scenarios[name] = { ...(typeof s.description === 'string' ? { description: s.description } : {}), edits };
  }
  const dockerfile = typeof j.dockerfile === 'string' ? j.dockerfile : 'Dockerfile';
  const context = typeof j.context === 'string' ? j.context : '.';
  if (!existsSync(path.join(dir, context, dockerfile)) && !existsSync(path.join(dir, dockerfile))) {
    throw new UsageError(`no Dockerfile at ${path.join(dir, dockerfile)}`, `set "dockerfile" in ${file}, or pass --dockerfile`);
  }
  return {
    name: typeof j.name === 'string' ? j.name : path.basename(dir),
    description: typeof j.description === 'string' ? j.description : '',
    dir,
    dockerfile,
    context,
    ...(typeof j.target === 'string' ? { target: j.target } : {}),
    ...(typeof j.platform === 'string' ? { platform: j.platform } : {}),
    buildArgs: record(j.buildArgs, 'buildArgs', file),
    imageMap: record(j.imageMap, 'imageMap', file),
    baseImages: record(j.baseImages, 'baseImages', file),
    scenarios,
    prepare: Array.isArray(j.prepare) ? j.prepare.map((p, i) => str(p, `prepare[${i}]`, file)) : [],
    expect: (j.expect as FixtureConfig['expect']) ?? {},
  };
}

/** `tiny`, `dotnet-sample`, or a path to a folder with a fixture.json. */
export function loadFixture(nameOrPath: string): FixtureConfig {
  const builtin = (BUILTIN_FIXTURES as readonly string[]).includes(nameOrPath);
  const dir = builtin ? path.join(projectRoot, 'fixtures', nameOrPath) : path.resolve(nameOrPath);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`--fixture ${nameOrPath}: no such fixture or folder`, `use one of ${BUILTIN_FIXTURES.join(', ')}, or a path to a folder with a Dockerfile and fixture.json`);
  }
  const file = ['fixture.json', 'cachebench.json'].map((f) => path.join(dir, f)).find((f) => existsSync(f));
  if (!file) {
    throw new UsageError(`${dir} has no fixture.json or cachebench.json`, 'add one that declares the scenarios (see README, "Benchmark your own repository")');
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseFixtureConfig(json, dir, file);
}
