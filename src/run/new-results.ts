/** A new run's results.json skeleton (plan, environment, empty cells), or a resumed run's after checking its base images. */
import type { engineInfo, hostFacts } from '../engine/index.ts';
import { UsageError } from '../errors.ts';
import type { Results } from '../results/types.ts';
import type { BaseImageSetup } from './base-images.ts';
import { VERSION } from './context.ts';
import type { Session } from './session.ts';
import type { CiCache } from '../network/ci-cache.ts';

export function resumeResults(results: Results, baseImages: Results['environment']['baseImages'], ciCache: CiCache): Results {
  const was = results.environment.ciCache?.profile;
  if (was !== undefined && was !== ciCache.profile.name) {
    throw new UsageError(`--resume: the run measured its CI cache link as "${was}", not "${ciCache.profile.name}"`, `resume with --ci-cache-profile ${was}`);
  }
  for (const [k, v] of Object.entries(baseImages)) {
    if (results.environment.baseImages[k]?.digest !== v.digest) {
      throw new UsageError(`--resume: base image ${k} changed since the run started (${results.environment.baseImages[k]?.digest} → ${v.digest})`, 'start a new run');
    }
  }
  results.status = 'running';
  return results;
}

export function newResults(s: Session, images: BaseImageSetup, info: Awaited<ReturnType<typeof engineInfo>>, host: ReturnType<typeof hostFacts>): Results {
  const { engine, opts, fixture, remote, profile, net, fullPlan, plan, ws } = s;
  return {
    schemaVersion: 1,
    runId: s.runId,
    planId: s.planId,
    plan: {
      fixture: fixture.name,
      scenarios: fullPlan.scenarios,
      modes: fullPlan.modes,
      repetitions: plan.repetitions,
      profile: opts.profile,
      commitMix: opts.mix,
      order: opts.order,
      seed: opts.seed,
      adaptive: opts.adaptive,
      ...(opts.shard ? { shard: opts.shard, allCells: fullPlan.cells.map((c) => c.id) } : {}),
      ...(fixture.skippedScenarios?.length ? { skippedScenarios: fixture.skippedScenarios } : {}),
      ...(opts.mixSource ? { mixSource: opts.mixSource } : {}),
      ...(Object.keys(opts.cost).length ? { cost: opts.cost } : {}),
    },
    environment: {
      engineKind: engine.kind,
      dockerVersion: info.dockerVersion,
      buildxVersion: info.buildxVersion,
      containerdVersion: info.containerdVersion,
      ...(info.buildkitVersion ? { buildkitVersion: info.buildkitVersion } : {}),
      cpus: host.cpus,
      memoryBytes: host.memoryBytes,
      os: host.os,
      node: process.version,
      fixture: fixture.name,
      ...(ws.sourceCommit ? { fixtureCommit: ws.sourceCommit } : {}),
      parentCommit: ws.parentCommit,
      baseImages: images.baseImages,
      ...(images.baseLayers.size ? { baseLayers: [...images.baseLayers].sort() } : {}),
      registry: remote ? `${remote.registry.host}/${remote.registry.repository}` : engine.registry,
      networkProfile: remote ? 'remote' : profile.name,
      ...(remote
        ? {}
        : {
            network: {
              rateMbit: profile.rateMbit,
              rttMs: profile.rttMs,
              description: profile.description,
              ...(net.measured ? { measuredMbit: net.measured.throughputMbit, measuredRttMs: net.measured.rttMs } : {}),
            },
          }),
      ciCache: ciCacheRecord(s.ciCache),
      startedAt: new Date().toISOString(),
      cachebenchVersion: VERSION,
    },
    seeds: {},
    cells: plan.cells.map((c) => ({ id: c.id, fixture: c.fixture, scenario: c.scenario, mode: c.mode, runs: [], warnings: [] })),
    status: 'running',
  };
}

function ciCacheRecord(c: CiCache): NonNullable<Results['environment']['ciCache']> {
  const p = c.profile;
  const m = c.measured;
  return { profile: p.name, rateMbit: p.rateMbit, rttMs: p.rttMs, description: p.description, ...(m ? { measuredMbit: m.throughputMbit, measuredUploadMbit: m.uploadMbit, measuredRttMs: m.rttMs } : {}) };
}
