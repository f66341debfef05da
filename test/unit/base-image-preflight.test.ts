import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDockerfile } from '../../src/dockerfile/model.ts';
import { checkBaseImages, imageUses, prepareBaseImages, preflightError, type BaseImageStatus, type PreflightInput } from '../../src/base-images/preflight.ts';
import { CachebenchError } from '../../src/errors.ts';

const DIGEST = `sha256:${'cd34'.repeat(16)}`;
const LOCAL = '127.0.0.1:5765';

/** A real service's shape: ARG before FROM, FROM --platform=$BUILDPLATFORM, digest pins, a test stage the target skips. */
const SERVICE = `ARG BUILDPLATFORM=linux/amd64
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.100-noble@${DIGEST}
FROM --platform=$BUILDPLATFORM $SDK_IMAGE AS build
ARG TARGETARCH
WORKDIR /src
COPY --link app/*.csproj app/
RUN dotnet restore -a $TARGETARCH app/app.csproj
COPY --link app/ app/
RUN dotnet publish -a $TARGETARCH --self-contained -o /out app/app.csproj

FROM build AS test
FROM example.com/team/test-runner:3
COPY --from=build /out /out

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0.0-noble-chiseled@${DIGEST} AS final
COPY --from=build /out /app
COPY --from=${LOCAL}/tools/grpc-health-probe:1 /probe /probe
ENTRYPOINT ["/app/app"]
`;

const model = (text: string, opts: Parameters<typeof readDockerfile>[1] = {}) => readDockerfile(text, { platform: 'linux/amd64', ...opts });

function input(uses: PreflightInput['uses'], over: Partial<PreflightInput> = {}): PreflightInput {
  return { uses, contexts: [], recipeArgs: {}, autoMap: true, outsideReachable: false, registryHosts: [LOCAL], exists: async () => true, ...over };
}

const kinds = (s: BaseImageStatus[]) => Object.fromEntries(s.map((x) => [x.image, x.kind]));

test('the images of the stages the target needs, with their stages (COPY --from images too, skipped stages not)', () => {
  const uses = imageUses([model(SERVICE, { target: 'final' })]);
  assert.deepEqual(Object.fromEntries(uses), {
    [`mcr.microsoft.com/dotnet/sdk:10.0.100-noble@${DIGEST}`]: ['build'],
    [`mcr.microsoft.com/dotnet/runtime-deps:10.0.0-noble-chiseled@${DIGEST}`]: ['final'],
    [`${LOCAL}/tools/grpc-health-probe:1`]: ['final'],
  });
});

test('official .NET images are mapped automatically, local refs are looked up, anything else is a problem (embedded engine)', async () => {
  const looked: string[] = [];
  const s = await checkBaseImages(
    input(imageUses([model(`FROM busybox:1.36 AS a\nFROM ${LOCAL}/x/present:1 AS b\nFROM ${LOCAL}/x/missing@${DIGEST} AS c\nFROM mcr.microsoft.com/dotnet/aspnet:10.0\nCOPY --from=a / /a\nCOPY --from=b / /b\nCOPY --from=c / /c\n`)]), {
      exists: async (host, repo, ref) => {
        looked.push(`${host}/${repo}@${ref}`);
        return repo === 'x/present';
      },
    }),
  );
  assert.deepEqual(kinds(s), {
    'busybox:1.36': 'problem',
    [`${LOCAL}/x/present:1`]: 'registry',
    [`${LOCAL}/x/missing@${DIGEST}`]: 'problem',
    'mcr.microsoft.com/dotnet/aspnet:10.0': 'auto',
  });
  assert.deepEqual(looked.sort(), [`${LOCAL}/x/missing@${DIGEST}`, `${LOCAL}/x/present@1`]);
  const missing = s.find((x) => x.image.includes('missing'));
  assert.ok(missing?.kind === 'problem');
  assert.match(missing.why, /not in the registry 127\.0\.0\.1:5765/);
  const bb = s.find((x) => x.image === 'busybox:1.36');
  assert.ok(bb?.kind === 'problem');
  assert.match(bb.why, /cannot be pulled here/);
  assert.deepEqual(bb.stages, ['a']);
});

test('build contexts (imageMap) and build args pointing at recipes serve their images; matching is by normalised name', async () => {
  const ref = `${LOCAL}/cachebench/base/busybox:abc`;
  const text = 'ARG BASE_IMAGE=busybox:1.36\nFROM ${BASE_IMAGE} AS b\nFROM docker.io/library/alpine-like:3\nCOPY --from=b / /\n';
  const s = await checkBaseImages(
    input(imageUses([model(text, { buildArgs: { BASE_IMAGE: ref }, buildContexts: ['alpine-like:3'] })]), {
      contexts: ['alpine-like:3'],
      recipeArgs: { BASE_IMAGE: ref },
      exists: async () => assert.fail('no lookup needed'),
    }),
  );
  assert.deepEqual(kinds(s), { [ref]: 'recipe-arg', 'docker.io/library/alpine-like:3': 'context' });
});

test('a system engine, or CACHEBENCH_BASE_IMAGES=official, leaves outside images to the engine and maps nothing', async () => {
  const uses = imageUses([model('FROM node:20 AS a\nFROM mcr.microsoft.com/dotnet/sdk:10.0\nCOPY --from=a / /\n')]);
  assert.deepEqual(kinds(await checkBaseImages(input(uses, { outsideReachable: true }))), { 'node:20': 'unchecked', 'mcr.microsoft.com/dotnet/sdk:10.0': 'auto' });
  assert.deepEqual(kinds(await checkBaseImages(input(uses, { outsideReachable: true, autoMap: false }))), { 'node:20': 'unchecked', 'mcr.microsoft.com/dotnet/sdk:10.0': 'unchecked' });
});

test('an empty FROM (an ARG without a value) and a registry that does not answer are problems', async () => {
  const s = await checkBaseImages(
    input(imageUses([model(`ARG IMG\nFROM $IMG AS a\nFROM ${LOCAL}/x/y:1\nCOPY --from=a / /\n`)]), {
      exists: async () => {
        throw new CachebenchError('registry request failed: GET http://127.0.0.1:5765/v2/ (connect ECONNREFUSED)');
      },
    }),
  );
  assert.deepEqual(kinds(s), { '': 'problem', [`${LOCAL}/x/y:1`]: 'problem' });
  assert.match((s[1] as { why: string }).why, /did not answer \(registry request failed/);
});

test('the exit-2 error names each image, its stages, why, and the fix with the known recipes', async () => {
  const s = await checkBaseImages(input(imageUses([model(SERVICE.replace('mcr.microsoft.com/dotnet/runtime-deps', 'example.com/dotnet/runtime-deps'), { target: 'final' })]), { exists: async () => false }));
  const problems = s.filter((x): x is Extract<BaseImageStatus, { kind: 'problem' }> => x.kind === 'problem');
  const err = preflightError(problems, ['busybox', 'dotnet-sdk', 'dotnet-aspnet', 'dotnet-runtime-deps']);
  assert.equal(err.exitCode, 2);
  assert.match(err.message, /^2 base images cannot be used; checked before any build:/);
  assert.match(err.message, new RegExp(`- example\\.com/dotnet/runtime-deps:10\\.0\\.0-noble-chiseled@${DIGEST} \\(stage final\\): cannot be pulled here`));
  assert.match(err.message, /- 127\.0\.0\.1:5765\/tools\/grpc-health-probe:1 \(stage final\): not in the registry 127\.0\.0\.1:5765/);
  assert.match(err.hint ?? '', /--base-image example\.com\/dotnet\/runtime-deps:10\.0\.0-noble-chiseled@sha256:[0-9a-f]{64}=RECIPE/);
  assert.match(err.hint ?? '', /"imageMap": \{"example\.com/);
  assert.match(err.hint ?? '', /recipes: busybox, dotnet-sdk, dotnet-aspnet, dotnet-runtime-deps/);
  const one = preflightError(problems.slice(0, 1), ['busybox']);
  assert.match(one.message, /^base image example\.com\/dotnet\/runtime-deps:\S+ \(stage final\): cannot be pulled here/);
});

test('prepareBaseImages: problems stop it before any recipe is built; mappings become build contexts, said in one line each and recorded', async () => {
  const built: string[] = [];
  const logs: string[] = [];
  const common = {
    contexts: [],
    recipeArgs: {},
    autoMap: true,
    outsideReachable: false,
    registryHosts: [LOCAL],
    exists: async () => true,
    baseImage: async (recipe: string) => {
      built.push(recipe);
      return { ref: `${LOCAL}/cachebench/base/${recipe}:k`, digest: `sha256:${recipe}` };
    },
    recipes: ['busybox', 'dotnet-runtime-deps'],
    log: (s: string) => logs.push(s),
  };
  await assert.rejects(prepareBaseImages({ ...common, models: [model('FROM mcr.microsoft.com/dotnet/sdk:10.0 AS a\nFROM quay.io/x/y:1\nCOPY --from=a / /\n')] }), (err: CachebenchError) => {
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /quay\.io\/x\/y:1 \(stage stage-1\)/);
    return true;
  });
  assert.deepEqual(built, [], 'nothing built before the preflight passed');

  const setup = await prepareBaseImages({ ...common, models: [model(SERVICE, { target: 'final' })] });
  const sdk = `mcr.microsoft.com/dotnet/sdk:10.0.100-noble@${DIGEST}`;
  const deps = `mcr.microsoft.com/dotnet/runtime-deps:10.0.0-noble-chiseled@${DIGEST}`;
  assert.deepEqual(built, ['dotnet-sdk', 'dotnet-runtime-deps']);
  assert.deepEqual(setup.contexts, { [sdk]: `docker-image://${LOCAL}/cachebench/base/dotnet-sdk:k`, [deps]: `docker-image://${LOCAL}/cachebench/base/dotnet-runtime-deps:k` });
  assert.deepEqual(setup.baseImages[deps], { ref: `${LOCAL}/cachebench/base/dotnet-runtime-deps:k`, digest: 'sha256:dotnet-runtime-deps', recipe: 'dotnet-runtime-deps', mappedFrom: deps, mapping: 'auto' });
  assert.deepEqual(logs, [
    `base image ${sdk} → local recipe dotnet-sdk (no registry access; closest equivalent)`,
    `base image ${deps} → local recipe dotnet-runtime-deps (no registry access; closest equivalent)`,
  ]);
  // The model with those contexts sees the FROMs served by them (what the self-check expects).
  const served = model(SERVICE, { target: 'final', buildContexts: Object.keys(setup.contexts) });
  assert.deepEqual(served.expected.filter((e) => e.keyword === 'FROM').map((e) => e.viaContext), [sdk, deps]);
});
