/** The shape of an open run (types only): what prepare opens and finish closes. */
import type { Engine } from '../engine/index.ts';
import type { CacheMode } from '../cache-modes.ts';
import type { FixtureConfig } from '../target/fixture.ts';
import type { Workspace } from '../target/workspace.ts';
import type { networkProfile } from '../network/link.ts';
import type { openRegistryLink } from '../network/registry-link.ts';
import type { RemoteSession } from '../registry/remote.ts';
import type { CiCache } from '../network/ci-cache.ts';
import type { Plan } from '../plan.ts';
import type { Progress } from '../progress.ts';
import type { RunOptions } from '../options.ts';
import type { Results } from '../results/types.ts';
import type { RunnerHooks } from './context.ts';

/** What a run holds open until it ends: the clone, the registry link, a remote session. */
export interface Session {
  /** The engine as builds see it: its registry is the shaped link's address. */
  engine: Engine;
  opts: RunOptions;
  hooks: RunnerHooks;
  fixture: FixtureConfig;
  fullPlan: Plan;
  plan: Plan;
  planId: string;
  modes: CacheMode[];
  /** Results read back for --resume. */
  resumed: Results | undefined;
  progress: Progress;
  ws: Workspace;
  runId: string;
  profile: ReturnType<typeof networkProfile>;
  remote: RemoteSession | undefined;
  net: Awaited<ReturnType<typeof openRegistryLink>>;
  /** Where `local` mode's cache archives are saved and restored (behind a link of its own). */
  ciCache: CiCache;
  stateDir: string;
}
