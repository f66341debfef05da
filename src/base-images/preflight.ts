/**
 * Before the first build: every image the target's stages build FROM (or COPY --from) must
 * be usable. Each one is served by a named build context (imageMap / --base-image), or is
 * a local recipe handed over through a build arg, or is an official .NET image mapped
 * automatically to its closest recipe (only when the engine cannot pull official images),
 * or is found in a registry the registry client can ask (the run's registry, a --registry
 * host, any loopback registry). On the embedded engine nothing else can be pulled; on a
 * system engine other images are left to the engine. Anything unusable stops the run with
 * exit code 2 before any build, naming the image, its stages and the fix.
 */
import { CachebenchError } from '../errors.ts';
import { normalizeImage } from '../dockerfile/args.ts';
import { baseImagesOf, type DockerfileModel } from '../dockerfile/model.ts';
import { getManifest } from '../registry/client.ts';
import type { BaseImageInfo } from '../results/types.ts';
import { describeMapping, officialDotnetImage, splitImageRef, type OfficialDotnetImage } from './official-dotnet.ts';

export type BaseImageStatus =
  | { kind: 'context'; image: string; stages: string[] }
  | { kind: 'recipe-arg'; image: string; stages: string[]; arg: string }
  | { kind: 'auto'; image: string; stages: string[]; mapping: OfficialDotnetImage }
  | { kind: 'registry'; image: string; stages: string[] }
  | { kind: 'unchecked'; image: string; stages: string[] }
  | { kind: 'problem'; image: string; stages: string[]; why: string };

export interface PreflightInput {
  /** Image → stages using it (baseImagesOf of every checkout the run builds). */
  uses: ReadonlyMap<string, readonly string[]>;
  /** Names of the run's --build-context entries. */
  contexts: readonly string[];
  /** Build arg → the local recipe image ref it passes. */
  recipeArgs: Readonly<Record<string, string>>;
  /** Map official .NET images to local recipes (the engine cannot pull them). */
  autoMap: boolean;
  /** Images outside the registries below can be pulled by the engine (a system engine, or CACHEBENCH_BASE_IMAGES=official). */
  outsideReachable: boolean;
  /** Registry hosts the registry client can ask, besides any loopback one. */
  registryHosts: readonly string[];
  /** Whether `reference` (tag or digest) of `repository` exists on `host`; throws when the registry does not answer. */
  exists?: (host: string, repository: string, reference: string) => Promise<boolean>;
}

/** Every FROM / COPY --from image of the models' needed stages, with the stages using it. */
export function imageUses(models: readonly DockerfileModel[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of models) {
    for (const [image, stages] of baseImagesOf(m)) out.set(image, [...new Set([...(out.get(image) ?? []), ...stages])]);
  }
  return out;
}

const isLoopback = (host: string) => /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i.test(host);

async function existsInRegistry(host: string, repository: string, reference: string): Promise<boolean> {
  return (await getManifest(host, repository, reference)) !== undefined;
}

/** What each image will be served by, or why it cannot be. */
export async function checkBaseImages(input: PreflightInput): Promise<BaseImageStatus[]> {
  const contexts = new Set(input.contexts.map((c) => normalizeImage(c)));
  const byRef = new Map(Object.entries(input.recipeArgs).map(([arg, ref]) => [ref, arg]));
  const exists = input.exists ?? existsInRegistry;
  const out: BaseImageStatus[] = [];
  for (const [image, stagesRO] of input.uses) {
    const stages = [...stagesRO];
    if (image.trim() === '') {
      out.push({ kind: 'problem', image, stages, why: 'the FROM image is empty after ARG expansion (an ARG without a value?)' });
      continue;
    }
    if (contexts.has(normalizeImage(image))) {
      out.push({ kind: 'context', image, stages });
      continue;
    }
    const arg = byRef.get(image);
    if (arg) {
      out.push({ kind: 'recipe-arg', image, stages, arg });
      continue;
    }
    const mapping = input.autoMap ? officialDotnetImage(image) : undefined;
    if (mapping) {
      out.push({ kind: 'auto', image, stages, mapping });
      continue;
    }
    const ref = splitImageRef(image);
    if (isLoopback(ref.host) || (ref.host !== '' && input.registryHosts.includes(ref.host))) {
      const reference = ref.digest ?? ref.tag ?? 'latest';
      try {
        if (await exists(ref.host, ref.repository, reference)) out.push({ kind: 'registry', image, stages });
        else out.push({ kind: 'problem', image, stages, why: `not in the registry ${ref.host}` });
      } catch (err) {
        out.push({ kind: 'problem', image, stages, why: `the registry ${ref.host} did not answer (${(err as Error).message.split('\n')[0]})` });
      }
      continue;
    }
    if (input.outsideReachable) out.push({ kind: 'unchecked', image, stages });
    else out.push({ kind: 'problem', image, stages, why: `cannot be pulled here: the embedded engine reaches no registry but the run's own (${input.registryHosts.join(', ')})` });
  }
  return out;
}

const stageList = (stages: readonly string[]) => `${stages.length === 1 ? 'stage' : 'stages'} ${stages.join(', ')}`;

/** The exit-2 error for unusable images: each image, its stages, why, and the fix. */
export function preflightError(problems: ReadonlyArray<Extract<BaseImageStatus, { kind: 'problem' }>>, recipes: readonly string[]): CachebenchError {
  const lines = problems.map((p) => `${p.image || '(empty)'} (${stageList(p.stages)}): ${p.why}`);
  const message =
    problems.length === 1
      ? `base image ${lines[0]}; checked before any build`
      : `${problems.length} base images cannot be used; checked before any build:\n${lines.map((l) => `  - ${l}`).join('\n')}`;
  const named = problems.filter((p) => p.image.trim() !== '');
  const example = named[0]?.image ?? 'IMAGE';
  const hint = [
    `serve ${named.length > 1 ? 'each' : 'it'} from a local recipe: --base-image ${example}=RECIPE, or "imageMap": {"${example}": "RECIPE"} in cachebench.json (recipes: ${recipes.join(', ')})`,
    ...(problems.some((p) => p.image.trim() === '') ? ['give the FROM line\'s ARG a value with --build-arg NAME=IMAGE'] : []),
    'if this machine can pull from that registry, set CACHEBENCH_BASE_IMAGES=official',
  ].join('; ');
  return new CachebenchError(message, { exitCode: 2, hint });
}

export interface BaseImageSetup {
  /** --build-context entries to add (automatic mappings). */
  contexts: Record<string, string>;
  /** environment.baseImages entries to add. */
  baseImages: Record<string, BaseImageInfo>;
}

export interface PrepareBaseImagesInput extends Omit<PreflightInput, 'uses'> {
  models: readonly DockerfileModel[];
  /** Builds (if needed) a recipe's image and gives its ref in the run's registry. */
  baseImage: (recipe: string) => Promise<{ ref: string; digest: string }>;
  /** Known recipe names, for the fix. */
  recipes: readonly string[];
  log: (s: string) => void;
}

/**
 * The preflight and the automatic mappings: throws the exit-2 error when an image cannot
 * be used (before building any recipe), else builds the recipes official .NET images map
 * to and says so, one line per image.
 */
export async function prepareBaseImages(input: PrepareBaseImagesInput): Promise<BaseImageSetup> {
  const statuses = await checkBaseImages({ ...input, uses: imageUses(input.models) });
  const problems = statuses.filter((s): s is Extract<BaseImageStatus, { kind: 'problem' }> => s.kind === 'problem');
  if (problems.length) throw preflightError(problems, input.recipes);
  const out: BaseImageSetup = { contexts: {}, baseImages: {} };
  for (const s of statuses) {
    if (s.kind !== 'auto') continue;
    const img = await input.baseImage(s.mapping.recipe);
    input.log(describeMapping(s.mapping));
    out.contexts[s.image] = `docker-image://${img.ref}`;
    out.baseImages[s.image] = { ref: img.ref, digest: img.digest, recipe: s.mapping.recipe, mappedFrom: s.image, mapping: 'auto' };
  }
  return out;
}
