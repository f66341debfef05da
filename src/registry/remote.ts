/**
 * A run against a real remote registry (`--registry HOST[/PATH]`): credentials resolved
 * once (environment or Docker config) and handed to buildx through a private Docker config,
 * every ref of the run a tag `RUNID-…` in one repository (portable: Docker Hub and ECR
 * allow no nested or ad-hoc repositories), and those tags removed at the end where the
 * registry allows deletes.
 */
import type { Engine } from '../engine/index.ts';
import { CachebenchError } from '../errors.ts';
import type { RemoteRegistry } from '../options.ts';
import { dockerConfigDir, privateDockerConfig, resolveCredentials, type Credentials } from './auth.ts';
import { configureRemote, copyAcross, deleteManifest, forgetRemote, getManifest, listTags, pingRegistry } from './client.ts';

export interface RemoteSession {
  registry: RemoteRegistry;
  /** The engine, with buildx pointed at a Docker config that carries the credentials. */
  engine: Engine;
  /** `HOST/PATH:RUNID-name` for a ref name (tags are at most 128 characters). */
  ref(name: string): string;
  /** Copies an image from the local registry into the run's tags (base images). */
  copyIn(localRef: string, name: string): Promise<string>;
  /** Removes every tag of the run; says what it could not remove. */
  cleanup(): Promise<{ removed: number; left: string[] }>;
  dispose(): void;
}

/** Above this many tags of others in the repository, cleanup does not risk deleting by digest. */
const MAX_FOREIGN_TAGS = 1000;

export function tagFor(runId: string, name: string): string {
  const t = `${runId}-${name}`.replace(/[^A-Za-z0-9_.-]+/g, '-');
  return t.length <= 128 ? t : t.slice(0, 128);
}

export async function openRemote(registry: RemoteRegistry, engineIn: Engine, runId: string, log: (s: string) => void): Promise<RemoteSession> {
  let creds: Credentials | undefined;
  creds = await resolveCredentials(registry.host);
  if (!creds && registry.apiHost !== registry.host) creds = await resolveCredentials(registry.apiHost);
  configureRemote(registry.host, creds, registry.apiHost);
  try {
    // Before anything is built: the registry answers, and grants push with these credentials.
    await pingRegistry(registry.host, registry.repository);
  } catch (err) {
    forgetRemote(registry.host);
    const e = err as CachebenchError;
    const unreachable = /registry request failed/.test(e.message);
    throw new CachebenchError(`--registry ${registry.host}/${registry.repository}: ${e.message}`, {
      exitCode: 2,
      cause: err,
      hint: unreachable || !e.hint ? `check the host name and port, and that ${registry.apiHost} answers HTTPS from this machine (a private CA: NODE_EXTRA_CA_CERTS and SSL_CERT_FILE)` : e.hint,
    });
  }
  log(`registry ${registry.host}/${registry.repository}: reachable${creds ? `, credentials from ${creds.source}` : ', anonymous'}; this run's tags start with ${runId}-`);
  const cfg = creds ? privateDockerConfig(engineIn.env.DOCKER_CONFIG ?? dockerConfigDir(), registry.host, creds) : undefined;
  const engine: Engine = cfg ? { ...engineIn, env: { ...engineIn.env, DOCKER_CONFIG: cfg.dir } } : engineIn;
  const repo = `${registry.host}/${registry.repository}`;
  return {
    registry,
    engine,
    ref: (name) => `${repo}:${tagFor(runId, name)}`,
    async copyIn(localRef, name) {
      const target = `${repo}:${tagFor(runId, name)}`;
      try {
        await copyAcross(localRef, target);
      } catch (err) {
        throw new CachebenchError(`could not copy ${localRef} to ${target}: ${(err as Error).message}`, { hint: 'check that the credentials allow pushing to the path', cause: err });
      }
      return target;
    },
    async cleanup() {
      const prefix = tagFor(runId, '');
      const all = await listTags(registry.host, registry.repository);
      const tags = all.filter((t) => t.startsWith(prefix));
      const others = all.filter((t) => !t.startsWith(prefix));
      const digestOf = async (t: string) => (await getManifest(registry.host, registry.repository, t))?.digest;
      // Deleting by digest removes every tag on it: never a digest another tag also names.
      if (others.length > MAX_FOREIGN_TAGS) return { removed: 0, left: tags };
      const foreign = new Set<string>();
      for (const t of others) {
        const d = await digestOf(t);
        if (d) foreign.add(d);
      }
      const digests = new Map<string, string[]>();
      for (const t of tags) {
        const d = await digestOf(t);
        if (d) digests.set(d, [...(digests.get(d) ?? []), t]);
      }
      const left: string[] = [];
      let removed = 0;
      for (const [digest, ts] of digests) {
        if (!foreign.has(digest) && (await deleteManifest(registry.host, registry.repository, digest))) removed += ts.length;
        else left.push(...ts);
      }
      return { removed, left };
    },
    dispose() {
      cfg?.dispose();
      forgetRemote(registry.host);
    },
  };
}
