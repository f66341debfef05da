/**
 * Every type that crosses a stage boundary, in one place:
 * Options → Plan (cells) → BuildRecord (one measured build) → CellResult (runs + stats)
 * → Results (results.json) → reports and comparisons. Times are milliseconds, sizes bytes.
 */

/** Phases a CI job pays for, in the order they happen. */
export const PHASES = [
  'cache-restore', // copying a local cache archive in (a CI cache step), before buildx
  'setup', // [internal] load definition, context, metadata
  'cache-import', // importing cache manifests
  'base-pull', // FROM: resolving and pulling base images
  'build', // Dockerfile instructions (RUN, COPY, …)
  'image-export', // exporting / pushing the image
  'cache-export', // exporting the build cache
  'cache-save', // archiving a local cache dir back out (a CI cache step), after buildx
] as const;
export type PhaseName = (typeof PHASES)[number];
export type Phases = Partial<Record<PhaseName, number>>;

export type StepKind = 'instruction' | 'base' | 'internal' | 'cache-import' | 'image-export' | 'cache-export' | 'other';

export interface StepRecord {
  /** BuildKit's vertex name, e.g. `[builder 4/6] RUN dotnet restore`. */
  name: string;
  kind: StepKind;
  /** Dockerfile stage name (`builder`, `stage-1`) for instructions and FROM. */
  stage?: string;
  /** BuildKit's step number in the stage (`[builder 4/11]` → 4), for instructions and FROM. */
  step?: number;
  /** Multi-platform builds: the platform prefix (`linux/amd64`). */
  platform?: string;
  /** The second vertex of a `COPY --link` (`LINK COPY …`): same instruction, not a step of its own. */
  link?: true;
  cached: boolean;
  /** ms since the build started; null if the step never started. */
  startMs: number | null;
  durationMs: number | null;
  error?: string;
}

export interface BuildError {
  message: string;
  step?: string;
  exitCode?: number;
  logTail: string;
}

/** One `docker buildx build`, as measured. */
export interface BuildRecord {
  status: 'ok' | 'failed';
  /** Wall time of the whole CI-like job as the harness saw it, incl. cache restore/save. */
  wallMs: number;
  /** Wall time of the buildx process alone. */
  buildxWallMs: number;
  /** BuildKit's own duration for the build (buildx history), when available. */
  buildkitMs?: number;
  phases: Phases;
  steps: StepRecord[];
  cachedSteps: number;
  totalSteps: number;
  /** Size of the cache this build exported (registry blobs or local dir). */
  cacheBytes?: number;
  /** Bytes of new blobs this build added to the registry (image + cache). */
  bytesPushed?: number;
  /** Bytes of layers BuildKit downloaded during the build (base image and imported cache). */
  bytesPulled?: number;
  /** `local` mode: bytes of the cache archive restored from and saved to the CI cache service. */
  ciCacheBytes?: { restored?: number; saved?: number };
  imageDigest?: string;
  buildRef?: string;
  error?: BuildError;
  warnings: string[];
  /** The build's own accounting, checked against its Dockerfile (absent for builds recorded before it existed). */
  check?: BuildCheck;
  /** Why each step that re-ran did (absent for builds recorded before it existed). */
  explain?: BuildExplanation;
}

/**
 * Every build checks its own accounting: each instruction the target needs shows up as
 * exactly one step, and BuildKit's span is accounted for by the phases except for a
 * stated tolerance. A build that fails the check is flagged, never dropped.
 */
export interface BuildCheck {
  ok: boolean;
  instructions: {
    /** Numbered steps the Dockerfile model expects (FROM included). */
    expected: number;
    /** Of those, how many the build's vertices account for. */
    accounted: number;
    /** Expected steps with no vertex (`[stage i/n] TEXT`). */
    missing: string[];
    /** Instruction vertices the model did not expect. */
    unexpected: string[];
    /** Stages BuildKit does not build for this target (not needed, or replaced by a build context). */
    skippedStages: string[];
    /** Accounted instructions other than FROM (the build's totalSteps), and how many were cached. */
    counted: number;
    cached: number;
  };
  phases: {
    /** Sum of the BuildKit phases (cache restore/save are the harness's, outside the span). */
    sumMs: number;
    spanMs: number;
    /** Span time that no known activity covered. */
    unattributedMs: number;
    toleranceMs: number;
    /** How many separate stretches the unattributed time fell into (BuildKit's pauses between vertices), and the longest (absent in older results). */
    pauses?: number;
    longestPauseMs?: number;
  };
  /** What failed, in words; empty when ok. */
  problems: string[];
}

export interface RunRecord extends BuildRecord {
  repetition: number;
  /** ISO time the measured build started. */
  startedAt: string;
  /** Time to make the builder fresh before this build (not part of wallMs). */
  resetMs?: number;
  /** The interleaved round this build belonged to (absent in sequential runs). */
  round?: number;
  /** Where the reset's time went, per part (containers and images, build cache, history: run at once). */
  resetSteps?: Record<string, number>;
  /** Time to give the job its starting state (the seed's image and cache copied in the registry), before the reset; not part of wallMs. */
  prepareMs?: number;
  /**
   * Time the job waited before its build could start: the rest of the wipe the previous job
   * started early, the emptiness check, the starting state (all at once), a lock wait.
   */
  waitMs?: number;
}

export interface Stats {
  n: number;
  meanMs: number;
  medianMs: number;
  sdMs: number;
  minMs: number;
  maxMs: number;
  /** 95% confidence interval of the mean (Student t). */
  ci95Ms: [number, number];
  /** Relative margin of error of the mean, in percent. */
  rmePct: number;
  /** Repetition numbers flagged as outliers (MAD-based modified z-score > 3.5); none below 7 values (OUTLIER_MIN_N). */
  outliers: number[];
}

export interface CellResult {
  id: string;
  fixture: string;
  scenario: string;
  mode: string;
  runs: RunRecord[];
  stats?: Stats;
  /** Median per phase over successful runs. */
  phaseMedians?: Phases;
  warnings: string[];
  /** Why the cell took no more builds (interleaved and adaptive runs). */
  stopReason?: 'repetitions' | 'target-met' | 'separated' | 'max-runs' | 'budget';
}

/** A base image a run used, and where it came from. */
export interface BaseImageInfo {
  ref: string;
  digest: string;
  /** The local recipe that built `ref`, when it is not the image the Dockerfile names. */
  recipe?: string;
  /** The image the Dockerfile names that `ref` stands in for (imageMap and automatic mappings). */
  mappedFrom?: string;
  /** How it was chosen: `auto` = an official .NET image mapped to its closest recipe because the engine cannot pull it. */
  mapping?: 'auto' | 'imageMap' | 'build-arg';
}

export interface Environment {
  engineKind: 'embedded' | 'system';
  dockerVersion: string;
  buildxVersion: string;
  containerdVersion: string;
  buildkitVersion?: string;
  cpus: number;
  memoryBytes: number;
  os: string;
  node: string;
  fixture: string;
  fixtureCommit?: string;
  parentCommit?: string;
  /** Per FROM image (imageMap, automatic mapping) or build arg: the image the builds used. */
  baseImages: Record<string, BaseImageInfo>;
  /** Layer digests of the base images (their downloads count as base-pull). */
  baseLayers?: string[];
  registry: string;
  networkProfile: string;
  /** The link between the builder and the registry: the profile's figures and what was measured. */
  network?: { rateMbit: number; rttMs: number; description: string; measuredMbit?: number; measuredRttMs?: number };
  /** The link `local` mode's cache archive crosses to and from the CI cache service (absent before it existed). */
  ciCache?: { profile: string; rateMbit: number; rttMs: number; description: string; measuredMbit?: number; measuredUploadMbit?: number; measuredRttMs?: number };
  startedAt: string;
  finishedAt?: string;
  cachebenchVersion: string;
}

/**
 * Fixed workloads measured in every run, so that `compare` can tell "the environment moved"
 * from "a mode regressed". Times are per repetition, in ms; a part that could not be
 * measured says why instead.
 */
export interface CalibrationSample {
  /** ISO time the sample started. */
  at: string;
  /** CPU: a fixed SHA-256 workload on every core at once (one worker per core), ms per repetition. */
  cpu: { workload: string; ms: number[] };
  /** Package feed: fetching a fixed small package set from the machine's package source, ms per repetition. */
  feed?: { workload: string; bytes: number; ms: number[] } | { skipped: string };
}

/** The parent-commit build that made a mode's cache (on a fresh builder, exporting cache). */
export interface SeedRecord extends BuildRecord {
  mode: string;
  /** Where the seed's state lives (registry refs or a local archive). */
  imageRef: string;
  cacheRef?: string;
  cacheArchive?: string;
  /** ISO time the seed build started (absent in results written before it was recorded). */
  startedAt?: string;
  /** Time to make the builder fresh before the seed (not part of wallMs). */
  resetMs?: number;
}

/**
 * A commit mix measured from a repository's history (`cachebench mix` writes mix.json):
 * what the report needs to say where the mix came from and which classes the run did not
 * cover. `weights` are every class's share of the classified commits, as in the file.
 */
/** The commit range a mix was read from (`cachebench mix`): shared by mix.json and results.json. */
export interface MixRange {
  since?: string;
  maxCommits?: number;
  first: string;
  last: string;
  firstDate: string;
  lastDate: string;
}

/** Commits per day over every calendar day of a range, days without commits included. */
export interface CommitsPerDay {
  mean: number;
  median: number;
  days: number;
}

export interface MixSource {
  /** The mix.json that was read (absolute path). */
  file: string;
  repository: string;
  branch: string;
  range: MixRange;
  /** Commits classified, and those that could not be (no Dockerfile at that commit, shallow boundary). */
  commits: number;
  skipped: number;
  shallow: boolean;
  /** Class → share of the classified commits; adds up to 1. */
  weights: Record<string, number>;
  commitsPerDay: CommitsPerDay;
  generatedAt: string;
}

/** Cost-per-month settings given on the command line; what is absent takes the default of src/cost-assumptions.ts. */
export interface CostSettings {
  commitsPerDay?: number;
  /** Branches that keep a cache of their own. */
  branches?: number;
  /** USD per build minute, per GB-month of storage, per GB of data transfer. */
  priceMinuteUsd?: number;
  priceGbMonthUsd?: number;
  priceGbTransferUsd?: number;
}

export interface Results {
  schemaVersion: 1;
  /** Unique per run; names the run's registry repositories. */
  runId: string;
  /** A stable hash of the plan; `--resume` refuses a folder with another. */
  planId: string;
  plan: {
    fixture: string;
    scenarios: string[];
    modes: string[];
    repetitions: number;
    profile: string;
    /** Scenario → weight; weights add up to 1. */
    commitMix: Record<string, number>;
    /** Set when this run measured one shard of the plan's cells. */
    shard?: { index: number; count: number };
    /** Every cell id of the whole (unsharded) plan, for merge to find missing shards. */
    allCells?: string[];
    /** Requested scenarios the target could not provide (e.g. not detected in a repository without a config), with why; not measured. */
    skippedScenarios?: Array<{ scenario: string; reason: string }>;
    /** The order of the measured builds, and the seed of the rounds' shuffle (absent before rounds existed: sequential). */
    order?: 'interleaved' | 'sequential';
    seed?: number;
    /** Builds per cell: at least minRuns (= repetitions), up to maxRuns while the cell still matters. */
    adaptive?: { minRuns: number; maxRuns: number; targetRmePct?: number; budgetMs?: number };
    /** Where commitMix came from when it was read from a history (`--mix-from mix.json`); absent for --mix and the default mix. */
    mixSource?: MixSource;
    /** The cost-per-month figures the user gave (--commits-per-day, --branches, --price-*); the report states defaults for the rest. */
    cost?: CostSettings;
  };
  environment: Environment;
  /** The night's conditions, measured by fixed workloads before the first build and after the last (absent in older results). */
  calibration?: {
    start?: CalibrationSample;
    end?: CalibrationSample;
    /** Merged shards: the shard whose samples these are (each shard measured its own machine). */
    shard?: { index: number; count: number };
  };
  seeds: Record<string, SeedRecord>;
  cells: CellResult[];
  /** Harness overhead: median of (wallMs - buildxWallMs - cache restore/save) and of (buildxWallMs - buildkitMs). */
  overhead?: {
    medianHarnessMs: number;
    medianBuildxVsBuildkitMs?: number;
    /** Median time to make the builder fresh before a measured build (outside its measured window), and per part. */
    medianResetMs?: number;
    medianResetSteps?: Record<string, number>;
    /** Median time to copy the seed's state into the job's starting place (outside the measured window). */
    medianPrepareMs?: number;
    /** Median time a job waited before its build could start (the reset's part on the critical path, with the starting state). */
    medianWaitMs?: number;
    /** The run's wall time ÷ Σ wall time of its builds (seeds and measured): what the harness costs around them. */
    runRatio?: number;
  };
  status: 'running' | 'complete' | 'interrupted' | 'failed';
  /** Things a reader must know (e.g. shards that were missing when results were merged). */
  notes?: string[];
}

/**
 * Why a step re-ran (was not served from the imported cache):
 * - not-in-cache: no cache was imported (mode none, a seed), the mode does not export
 *   the stage (min/inline: only the final stage's chain), or the instruction is new or
 *   edited since the parent commit;
 * - inputs-changed: build-context files it reads differ from the parent commit's;
 * - after-miss: an earlier step of its stage, its base stage, or a stage it copies or
 *   mounts from re-ran;
 * - base-changed: its stage's FROM image differs from the parent build's;
 * - arg-changed: an ARG (or ENV, USER, SHELL) value in its cache key differs;
 * - unexpected: it re-ran and none of the above predicts it.
 */
export type MissCause = 'not-in-cache' | 'inputs-changed' | 'after-miss' | 'base-changed' | 'arg-changed' | 'unexpected';

export interface StepExplanation {
  /** `[stage i/n] TEXT` (first line). */
  step: string;
  stage: string;
  /** What the build did: cached, re-ran, or no vertex (null). */
  cached: boolean | null;
  /** What the Dockerfile, the commits and the mode predict: `maybe` = content-addressed input of a re-run stage (cached if its output came out byte-identical). */
  predicted: 'cached' | 'run' | 'maybe';
  /** For a step that re-ran or was predicted to. */
  cause?: MissCause;
  /** The cause in words ("Sample.Api/BuildInfo.cs changed", "registry-min exports only the final stage"). */
  why?: string;
  /** inputs-changed: the first changed files it reads, and how many there are. */
  files?: string[];
  fileCount?: number;
  /** after-miss: the step whose re-run caused this one's. */
  after?: string;
  /** The build contradicted the prediction: re-ran though predicted cached (cause `unexpected`), or cached though predicted to re-run. */
  finding?: 'ran-unpredicted' | 'cached-unpredicted';
}

export interface BuildExplanation {
  /** The cache the build started from, in words ("registry-max cache of the parent commit"). */
  cache: string;
  /** Every numbered instruction of the stages the target needs (FROM aside), in Dockerfile order. */
  steps: StepExplanation[];
  /** Per stage, the first step that re-ran (index into steps). */
  firstMiss: Array<{ stage: string; index: number }>;
  /** Contradictions between prediction and build, in words: always worth a look. */
  findings: string[];
}
