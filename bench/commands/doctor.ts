/** `cachebench doctor`: can this machine run the benchmark (engine, buildx, cache backends, registry, builder)? */
import { parseArgs } from 'node:util';
import { CachebenchError, UsageError } from '../../src/errors.ts';
import { builderInfo, connectEngine, engineInfo, problems, releaseEngine, type BuilderInfo } from '../../src/engine/index.ts';
import { logErr, out } from './io.ts';

const USAGE = 'Usage: cachebench doctor [--json] [--builder NAME]\n\nChecks the engine (system or embedded), buildx, the containerd image store, cache backends and the registry;\nwith --builder, what that buildx builder supports and how cachebench makes it fresh.';

interface DoctorReport {
  ready: boolean;
  problems: Array<{ what: string; fix: string }>;
  [field: string]: unknown;
}

export async function cmdDoctor(argv: string[]): Promise<number> {
  let values: { help?: boolean; json?: boolean; builder?: string };
  try {
    values = parseArgs({ args: argv, strict: true, options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' }, builder: { type: 'string' } } }).values;
  } catch (err) {
    throw new UsageError((err as Error).message, USAGE.split('\n')[0]);
  }
  if (values.help) return out(USAGE), 0;
  const report = await check(values.builder);
  if (values.json) out(JSON.stringify(report, null, 2));
  else printReport(report);
  return report.ready ? 0 : 1;
}

/** The checks; a failure to reach the engine is itself the report's one problem. */
async function check(builderName: string | undefined): Promise<DoctorReport> {
  let engine;
  try {
    // Starts the embedded engine if it is not running (provisioning it the first time), and
    // stops it again afterwards: doctor checks that everything *can* run.
    engine = await connectEngine({ start: true, log: logErr });
    const info = await engineInfo(engine);
    const probs = problems(info);
    let builder: BuilderInfo | undefined;
    if (builderName) {
      builder = await builderInfo(engine, builderName, info.containerdStore);
      if (builder.problem) probs.push({ what: builder.problem, fix: 'see `docker buildx ls`; create the builder, or omit --builder' });
    }
    return { ready: probs.length === 0, ...info, ...(builder ? { builder } : {}), problems: probs };
  } catch (err) {
    const e = err instanceof CachebenchError ? err : new CachebenchError(String(err));
    return { ready: false, problems: [{ what: e.message, fix: e.hint ?? '' }] };
  } finally {
    if (engine) await releaseEngine(engine);
  }
}

function printReport(report: DoctorReport): void {
  const r = report as { kind?: string; dockerVersion?: string; containerdVersion?: string; buildxVersion?: string; buildkitVersion?: string; containerdStore?: boolean; cacheBackends?: string[]; registry?: string; registryReady?: boolean; problems: Array<{ what: string; fix: string }> };
  if (r.kind) {
    out(`engine:           ${r.kind}`);
    out(`dockerd:          ${r.dockerVersion}`);
    out(`containerd:       ${r.containerdVersion}`);
    out(`buildx:           ${r.buildxVersion}${r.buildkitVersion ? ` (BuildKit ${r.buildkitVersion})` : ''}`);
    out(`containerd store: ${r.containerdStore ? 'on' : 'off'}`);
    out(`cache backends:   ${(r.cacheBackends ?? []).join(', ')}`);
    out(`registry:         ${r.registry} (${r.registryReady ? 'ready' : 'not answering'})`);
    const b = (report as { builder?: BuilderInfo }).builder;
    if (b) out(`builder:          ${b.name} (driver ${b.driver}, ${b.status}); cache backends ${b.cacheBackends.join(', ') || 'none'}; fresh per build: ${b.fresh}`);
  }
  for (const p of r.problems) out(`problem: ${p.what}\n  fix: ${p.fix}`);
  out(report.ready ? 'ready' : 'not ready');
}
