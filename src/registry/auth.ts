/**
 * Credentials and the auth handshake for a remote registry (`--registry`): credentials come
 * from the environment (CACHEBENCH_REGISTRY_USERNAME / _PASSWORD) or the usual Docker config
 * (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`: `auths`, `credHelpers`,
 * `credsStore`); the handshake answers a 401's `WWW-Authenticate` challenge with Basic auth
 * or a Bearer token from the challenge's realm. Secrets never reach a log line or a file
 * other than the private Docker config handed to buildx.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { CachebenchError, UsageError } from '../errors.ts';

export interface Credentials {
  username: string;
  password: string;
  /** Where they came from (for messages; never the secret). */
  source: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2] ?? '')) !== null) {
    params[(p[1] as string).toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: (m[1] as string).toLowerCase(), params };
}

/** How Docker marks an OAuth refresh token ("identity token") in place of a username. */
export const IDENTITY_TOKEN_USER = '<token>';

/** `user:password` in base64, as in a Docker config's `auth` and a Basic Authorization header. */
export function basicAuth(creds: Credentials): string {
  return Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
}

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The keys a Docker config may use for `host`. */
function configKeys(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
  if (host === 'docker.io' || host === 'registry-1.docker.io') keys.push('https://index.docker.io/v1/', 'index.docker.io');
  return keys;
}

/**
 * Credentials for `host`, or undefined for anonymous access. Environment first (what a CI
 * secret sets), then the Docker config the user's `docker login` wrote.
 */
export async function resolveCredentials(host: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const user = env.CACHEBENCH_REGISTRY_USERNAME;
  const pass = env.CACHEBENCH_REGISTRY_PASSWORD;
  if (user || pass) {
    if (!user || !pass) throw new UsageError('CACHEBENCH_REGISTRY_USERNAME and CACHEBENCH_REGISTRY_PASSWORD must be set together', 'set both, or neither to use the Docker config');
    return { username: user, password: pass, source: 'CACHEBENCH_REGISTRY_USERNAME/PASSWORD' };
  }
  const file = path.join(dockerConfigDir(env), 'config.json');
  if (!existsSync(file)) return undefined;
  let cfg: DockerConfig;
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8')) as DockerConfig;
  } catch (err) {
    throw new UsageError(`cannot read the Docker config ${file}: ${(err as Error).message}`, 'fix the file, or pass credentials in CACHEBENCH_REGISTRY_USERNAME/PASSWORD');
  }
  const helper = cfg.credHelpers?.[host] ?? cfg.credsStore;
  if (helper) {
    const r = await execa(`docker-credential-${helper}`, ['get'], { input: host, reject: false, timeout: 30_000 });
    if (r.exitCode === 0) {
      let j: { Username?: string; Secret?: string } = {};
      try {
        j = JSON.parse(r.stdout) as typeof j;
      } catch {
        /* not a credential answer: fall back to auths */
      }
      if (j.Secret) return { username: j.Username ?? '', password: j.Secret, source: `docker-credential-${helper}` };
    }
  }
  for (const key of configKeys(host)) {
    const a = cfg.auths?.[key];
    if (!a) continue;
    if (a.identitytoken) return { username: IDENTITY_TOKEN_USER, password: a.identitytoken, source: `${file} (identity token)` };
    if (a.username && a.password) return { username: a.username, password: a.password, source: file };
    if (a.auth) {
      const dec = Buffer.from(a.auth, 'base64').toString('utf8');
      const i = dec.indexOf(':');
      if (i > 0) return { username: dec.slice(0, i), password: dec.slice(i + 1), source: file };
    }
  }
  return undefined;
}

/**
 * A private Docker config directory for buildx that carries `creds` for `host`, keeping
 * every other entry (buildx builders, CLI plugins, contexts) of `baseDir` by symlink.
 * Removed with `dispose()`.
 */
export function privateDockerConfig(baseDir: string, host: string, creds: Credentials): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cachebench-docker-config-'));
  let base: DockerConfig & Record<string, unknown> = {};
  if (existsSync(baseDir)) {
    for (const entry of readdirSync(baseDir)) {
      if (entry === 'config.json') continue;
      symlinkSync(path.join(baseDir, entry), path.join(dir, entry));
    }
    try {
      base = JSON.parse(readFileSync(path.join(baseDir, 'config.json'), 'utf8')) as typeof base;
    } catch {
      base = {};
    }
  }
  const entry = creds.username === IDENTITY_TOKEN_USER ? { identitytoken: creds.password } : { auth: basicAuth(creds) };
  const cfg = { ...base, auths: { ...(base.auths ?? {}), [host]: entry } };
  if (cfg.credHelpers) {
    const helpers = { ...cfg.credHelpers };
    delete helpers[host];
    cfg.credHelpers = helpers;
  }
  delete cfg.credsStore;
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg, null, 2), { mode: 0o600 });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Asks a Bearer challenge's realm for a token covering `scopes`. */
export async function fetchToken(challenge: Challenge, scopes: string[], creds: Credentials | undefined): Promise<string> {
  const realm = challenge.params.realm;
  if (!realm) throw new CachebenchError('registry: Bearer challenge without a realm');
  const url = new URL(realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  for (const s of scopes) url.searchParams.append('scope', s);
  const headers: Record<string, string> = {};
  let init: RequestInit = { headers };
  if (creds?.username === IDENTITY_TOKEN_USER) {
    // An identity token is an OAuth2 refresh token: exchange it at the realm.
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.password, client_id: 'cachebench', service: challenge.params.service ?? '', scope: scopes.join(' ') });
    init = { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() };
  } else if (creds) {
    headers.Authorization = `Basic ${basicAuth(creds)}`;
  }
  let r: Response;
  try {
    r = await fetch(creds?.username === IDENTITY_TOKEN_USER ? realm : url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new CachebenchError(`registry: token request to ${url.origin}${url.pathname} failed: ${(err as Error).message}`, { cause: err });
  }
  if (r.status === 401 || r.status === 403) {
    throw new CachebenchError(`registry: ${url.host} refused the credentials${creds ? ` from ${creds.source}` : ' (none found)'} (HTTP ${r.status})`, {
      hint: 'log in with `docker login HOST`, or set CACHEBENCH_REGISTRY_USERNAME and CACHEBENCH_REGISTRY_PASSWORD; the account needs push and delete rights on the path',
    });
  }
  if (!r.ok) throw new CachebenchError(`registry: token request to ${url.host} answered HTTP ${r.status}`);
  const j = (await r.json()) as { token?: string; access_token?: string };
  const token = j.token ?? j.access_token;
  if (!token) throw new CachebenchError(`registry: ${url.host}'s token answer has no token`);
  return token;
}
