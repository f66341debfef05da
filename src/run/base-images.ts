/**
 * The run's base images: local recipes for `imageMap` entries (served as named build
 * contexts) and for `baseImages` build args, official images where the engine can pull
 * them, then the preflight over every FROM of the target's stages (exit 2 before any build
 * if one cannot be used; official .NET images are mapped to their closest recipe).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureBaseImage, recipeNames } from '../base-images/index.ts';
import { prepareBaseImages } from '../base-images/preflight.ts';
import { argDefault, remoteDigest, useOfficialImages } from '../base-images/policy.ts';
import { fmtMs } from '../progress.ts';
import { slug } from '../paths.ts';
import type { Results } from '../results/types.ts';
import { blobSet, dockerfileModel } from './context.ts';
import type { Session } from './session.ts';

export interface BaseImageSetup {
  buildArgs: Record<string, string>;
  buildContexts: Record<string, string>;
  baseImages: Results['environment']['baseImages'];
  /** Layer digests of the base images in the run's registry, to tell base pulls from cache imports. */
  baseLayers: Set<string>;
}

/**
 * A local base-image recipe, built into the local registry; on a remote registry copied
 * into the run's tags there, so that every build pulls it over the real network.
 */
function recipeImage(s: Session): (recipe: string) => Promise<{ ref: string; digest: string }> {
  return async (recipe) => {
    const img = await ensureBaseImage(s.engine, recipe, (x) => s.progress.log(x));
    if (img.buildMs > 0) s.progress.log(`base image ${recipe}: built in ${fmtMs(img.buildMs)} → ${img.ref}`);
    if (!s.remote) return img;
    const t = performance.now();
    const ref = await s.remote.copyIn(img.ref, `base-${slug(recipe)}`);
    s.progress.log(`base image ${recipe}: copied to ${ref} in ${fmtMs(performance.now() - t)}`);
    return { ref, digest: img.digest };
  };
}

export async function resolveBaseImages(s: Session): Promise<BaseImageSetup> {
  const { engine, fixture, remote } = s;
  const buildArgs = { ...fixture.buildArgs };
  const buildContexts: Record<string, string> = {};
  const baseImages: Results['environment']['baseImages'] = {};
  const baseImage = recipeImage(s);
  for (const [image, recipe] of Object.entries(fixture.imageMap)) {
    const img = await baseImage(recipe);
    // The Dockerfile's FROM image is served from the registry, the file unchanged.
    buildContexts[image] = `docker-image://${img.ref}`;
    baseImages[image] = { ref: img.ref, digest: img.digest, recipe, mappedFrom: image, mapping: 'imageMap' };
  }
  const dockerfileText = readFileSync(path.join(fixture.dir, fixture.context, fixture.dockerfile), 'utf8');
  for (const [arg, recipe] of Object.entries(fixture.baseImages)) {
    const official = argDefault(dockerfileText, arg);
    if (official && useOfficialImages(engine)) {
      // The Dockerfile's own default (e.g. the official .NET image), pulled as a CI runner would.
      baseImages[arg] = { ref: official, digest: await remoteDigest(engine, official) };
      continue;
    }
    const img = await baseImage(recipe);
    buildArgs[arg] = img.ref;
    baseImages[arg] = { ref: img.ref, digest: img.digest, recipe, mapping: 'build-arg' };
  }
  const mapped = await prepareBaseImages({
    models: [s.ws.parentDir, ...[...s.ws.checkouts.values()].map((c) => c.dir)].map((root) => dockerfileModel(fixture, root, buildArgs, buildContexts)),
    contexts: Object.keys(buildContexts),
    recipeArgs: Object.fromEntries(Object.entries(baseImages).filter(([, b]) => b.mapping === 'build-arg').map(([arg, b]) => [arg, b.ref])),
    autoMap: !useOfficialImages(engine),
    outsideReachable: engine.kind === 'system' || useOfficialImages(engine),
    registryHosts: [engine.registry, ...(remote ? [remote.registry.host] : [])],
    baseImage,
    recipes: recipeNames(),
    log: (x) => s.progress.log(x),
  });
  Object.assign(buildContexts, mapped.contexts);
  Object.assign(baseImages, mapped.baseImages);
  const baseLayers = new Set<string>();
  for (const { ref } of Object.values(baseImages)) {
    if (!ref.startsWith(`${engine.registry}/`) && !(remote && ref.startsWith(`${remote.registry.host}/`))) continue;
    for (const d of (await blobSet(ref)).keys()) baseLayers.add(d);
  }
  return { buildArgs, buildContexts, baseImages, baseLayers };
}
