/**
 * A minimal client for the distribution registry HTTP API (v2): existence checks, copying a
 * cache or image state into a fresh repository (cross-repository blob mounts, so nothing is
 * re-uploaded), sizes, tag lists and deletes. The run's own registry speaks plain HTTP on
 * loopback; a remote one (`--registry`, see `configureRemote`) HTTPS with Basic or Bearer
 * token auth answered from its 401 challenges.
 */
import { CachebenchError } from '../errors.ts';
import { basicAuth, fetchToken, parseChallenge, type Credentials } from './auth.ts';

interface RemoteHost {
  scheme: 'https' | 'http';
  apiHost: string;
  creds: Credentials | undefined;
  tokens: Map<string, string>;
  basic?: boolean;
}
const remotes = new Map<string, RemoteHost>();

/** Registers a remote registry host (as written in refs): HTTPS on `apiHost`, optional credentials. */
export function configureRemote(host: string, creds: Credentials | undefined, apiHost = host, scheme: 'https' | 'http' = 'https'): void {
  remotes.set(host, { scheme, apiHost, creds, tokens: new Map() });
}

export function forgetRemote(host: string): void {
  remotes.delete(host);
}

/** Scopes a request on `repository` needs (and, for a mount, on its source). */
function scopesFor(repository: string, write: boolean, extra: string[] = []): string[] {
  return [`repository:${repository}:${write ? 'pull,push' : 'pull'}`, ...extra];
}

export const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface Ref {
  registry: string;
  repository: string;
  tag: string;
}

export function parseRef(ref: string): Ref {
  const slash = ref.indexOf('/');
  const colon = ref.lastIndexOf(':');
  if (slash < 0 || colon < slash) throw new CachebenchError(`not a fully qualified image ref with a tag: ${ref}`);
  return { registry: ref.slice(0, slash), repository: ref.slice(slash + 1, colon), tag: ref.slice(colon + 1) };
}

export function formatRef(r: Ref): string {
  return `${r.registry}/${r.repository}:${r.tag}`;
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
}
interface ManifestDoc {
  mediaType?: string;
  manifests?: Descriptor[];
  layers?: Descriptor[];
  config?: Descriptor;
}

async function rawReq(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(60_000) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new CachebenchError(`registry request failed: ${init.method ?? 'GET'} ${url}${cause ? ` (${cause})` : ''}`, {
      cause: err,
      hint: 'is the registry running and reachable? `cachebench doctor` checks the local one',
    });
  }
}

/** A request to `registry` (path from /v2/…), answering an auth challenge once if needed. */
async function req(registry: string, pathname: string, init: RequestInit = {}, scopes: string[] = []): Promise<Response> {
  const remote = remotes.get(registry);
  const url = remote ? `${remote.scheme}://${remote.apiHost}${pathname}` : `http://${registry}${pathname}`;
  if (!remote) return rawReq(url, init);
  const key = scopes.join(' ');
  const withAuth = (auth: string | undefined): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...(auth ? { Authorization: auth } : {}) } });
  const current = (): string | undefined => {
    if (remote.basic && remote.creds) return `Basic ${basicAuth(remote.creds)}`;
    const t = remote.tokens.get(key);
    return t ? `Bearer ${t}` : undefined;
  };
  const first = await rawReq(url, withAuth(current()));
  if (first.status !== 401) return first;
  const challenge = parseChallenge(first.headers.get('www-authenticate') ?? '');
  await first.body?.cancel();
  if (challenge?.scheme === 'basic') {
    if (!remote.creds) throw new CachebenchError(`registry: ${registry} needs credentials and none were found`, { hint: 'log in with `docker login HOST`, or set CACHEBENCH_REGISTRY_USERNAME and CACHEBENCH_REGISTRY_PASSWORD' });
    remote.basic = true;
  } else if (challenge?.scheme === 'bearer') {
    remote.tokens.set(key, await fetchToken(challenge, scopes, remote.creds));
  } else {
    throw new CachebenchError(`registry: ${registry} answered 401 without a usable challenge`);
  }
  const second = await rawReq(url, withAuth(current()));
  if (second.status === 401) {
    await second.body?.cancel();
    throw new CachebenchError(`registry: ${registry} refused the credentials${remote.creds ? ` from ${remote.creds.source}` : ''} for ${scopes.join(' ') || pathname}`, {
      hint: 'check `docker login HOST` or CACHEBENCH_REGISTRY_USERNAME/PASSWORD; the account needs push and delete rights on the path',
    });
  }
  return second;
}

export async function getManifest(registry: string, repository: string, reference: string): Promise<{ digest: string; body: string; mediaType: string } | undefined> {
  const r = await req(registry, `/v2/${repository}/manifests/${reference}`, { headers: { Accept: MANIFEST_TYPES } }, scopesFor(repository, false));
  if (r.status === 404) {
    await r.body?.cancel();
    return undefined;
  }
  if (!r.ok) throw new CachebenchError(`registry: GET manifest ${repository}:${reference} answered ${r.status}`);
  const body = await r.text();
  return { digest: r.headers.get('docker-content-digest') ?? '', body, mediaType: r.headers.get('content-type') ?? '' };
}

export async function manifestDigest(ref: string): Promise<string | undefined> {
  const r = parseRef(ref);
  return (await getManifest(r.registry, r.repository, r.tag))?.digest;
}

/** Every blob (layers, configs) a manifest or index references, with sizes, recursively. */
export async function referencedBlobs(registry: string, repository: string, reference: string): Promise<Map<string, number>> {
  const blobs = new Map<string, number>();
  const m = await getManifest(registry, repository, reference);
  if (!m) throw new CachebenchError(`registry: ${registry}/${repository}:${reference} does not exist`);
  const doc = JSON.parse(m.body) as ManifestDoc;
  for (const child of doc.manifests ?? []) {
    for (const [d, s] of await referencedBlobs(registry, repository, child.digest)) blobs.set(d, s);
  }
  if (doc.config) blobs.set(doc.config.digest, doc.config.size);
  for (const l of doc.layers ?? []) blobs.set(l.digest, l.size);
  return blobs;
}

export async function totalBytes(ref: string): Promise<number> {
  const r = parseRef(ref);
  let total = 0;
  for (const s of (await referencedBlobs(r.registry, r.repository, r.tag)).values()) total += s;
  return total;
}

async function mountBlob(registry: string, from: string, to: string, digest: string): Promise<void> {
  const r = await req(registry, `/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`, { method: 'POST' }, scopesFor(to, true, [`repository:${from}:pull`]));
  await r.body?.cancel();
  if (r.status === 201) return;
  throw new CachebenchError(`registry: could not mount blob ${digest} from ${from} into ${to} (HTTP ${r.status})`);
}

/** Copies `fromRef` to `toRef` on the same registry without moving blob bytes. */
export async function copyRef(fromRef: string, toRef: string): Promise<void> {
  const a = parseRef(fromRef);
  const b = parseRef(toRef);
  if (a.registry !== b.registry) throw new CachebenchError(`copyRef needs one registry: ${fromRef} → ${toRef}`);
  await copyManifest(a, b, a.tag, b.tag);
}

/**
 * Deletes a tag's manifest (blobs go at the registry's next garbage collection). Deleting
 * by digest removes every tag on that digest in the repository. Returns false when the
 * registry does not allow deletes.
 */
export async function deleteRef(ref: string): Promise<boolean> {
  const r = parseRef(ref);
  const m = await getManifest(r.registry, r.repository, r.tag);
  if (!m) return true;
  return deleteManifest(r.registry, r.repository, m.digest);
}

export async function deleteManifest(registry: string, repository: string, digest: string): Promise<boolean> {
  const d = await req(registry, `/v2/${repository}/manifests/${digest}`, { method: 'DELETE' }, [`repository:${repository}:delete`]);
  await d.body?.cancel();
  if (d.status === 202 || d.status === 200 || d.status === 404) return true;
  return false;
}

/** Every tag of a repository (following the Link header's pages). */
export async function listTags(registry: string, repository: string): Promise<string[]> {
  const tags: string[] = [];
  let next: string | undefined = `/v2/${repository}/tags/list?n=1000`;
  while (next) {
    const r = await req(registry, next, {}, scopesFor(repository, false));
    if (r.status === 404) {
      await r.body?.cancel();
      return tags;
    }
    if (!r.ok) throw new CachebenchError(`registry: GET tags of ${repository} answered ${r.status}`);
    const j = (await r.json()) as { tags?: string[] | null };
    tags.push(...(j.tags ?? []));
    const link = /<([^>]+)>;\s*rel="next"/.exec(r.headers.get('link') ?? '');
    next = link?.[1];
  }
  return tags;
}

/** Checks that `registry` answers the v2 API (with the configured credentials, if it asks). */
export async function pingRegistry(registry: string, repository: string): Promise<void> {
  const r = await req(registry, '/v2/', {}, scopesFor(repository, true));
  await r.body?.cancel();
  if (r.status !== 200) throw new CachebenchError(`registry: ${registry}/v2/ answered HTTP ${r.status}`, { hint: 'is HOST a container registry (distribution API v2)?' });
}

async function blobExists(registry: string, repository: string, digest: string): Promise<boolean> {
  const r = await req(registry, `/v2/${repository}/blobs/${digest}`, { method: 'HEAD' }, scopesFor(repository, true));
  return r.status === 200;
}

/** Streams one blob from `a` to `b` (monolithic upload), unless `b` has it already. */
async function copyBlob(a: Ref, b: Ref, digest: string, size: number): Promise<number> {
  if (await blobExists(b.registry, b.repository, digest)) return 0;
  const src = await req(a.registry, `/v2/${a.repository}/blobs/${digest}`, {}, scopesFor(a.repository, false));
  if (!src.ok || !src.body) throw new CachebenchError(`registry: GET blob ${digest} from ${a.registry}/${a.repository} answered ${src.status}`);
  const start = await req(b.registry, `/v2/${b.repository}/blobs/uploads/`, { method: 'POST' }, scopesFor(b.repository, true));
  await start.body?.cancel();
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw new CachebenchError(`registry: starting an upload to ${b.registry}/${b.repository} answered ${start.status}`);
  const target = new URL(location, `https://${b.registry}`);
  target.searchParams.set('digest', digest);
  const put = await req(
    b.registry,
    `${target.pathname}${target.search}`,
    { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) }, body: src.body, duplex: 'half', signal: AbortSignal.timeout(30 * 60_000) } as RequestInit,
    scopesFor(b.repository, true),
  );
  await put.body?.cancel();
  if (put.status !== 201) throw new CachebenchError(`registry: uploading ${digest} to ${b.registry}/${b.repository} answered ${put.status}`);
  return size;
}

/**
 * Copies manifest `reference` of `a` (and, for an index, its children) to `b`, tagged
 * `toTag`. Blobs: nothing to do within one repository; a cross-repository mount on one
 * registry (no bytes move); streamed between registries. Returns bytes uploaded.
 */
async function copyManifest(a: Ref, b: Ref, reference: string, toTag: string | undefined): Promise<number> {
  const m = await getManifest(a.registry, a.repository, reference);
  if (!m) throw new CachebenchError(`registry: ${a.registry}/${a.repository}@${reference} does not exist`);
  const doc = JSON.parse(m.body) as ManifestDoc;
  let bytes = 0;
  for (const child of doc.manifests ?? []) bytes += await copyManifest(a, b, child.digest, undefined);
  const blobs = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])];
  for (const blob of blobs) {
    if (a.registry !== b.registry) bytes += await copyBlob(a, b, blob.digest, blob.size);
    else if (a.repository !== b.repository) await mountBlob(a.registry, a.repository, b.repository, blob.digest);
  }
  const put = await req(
    b.registry,
    `/v2/${b.repository}/manifests/${toTag ?? m.digest}`,
    { method: 'PUT', headers: { 'Content-Type': m.mediaType || doc.mediaType || 'application/vnd.oci.image.manifest.v1+json' }, body: m.body },
    scopesFor(b.repository, true),
  );
  if (put.status !== 201) throw new CachebenchError(`registry: PUT manifest ${b.repository}:${toTag ?? m.digest} answered ${put.status}: ${await put.text()}`);
  return bytes;
}

/** Stores a manifest or index document as `ref` (its blobs or child manifests must already be in the repository). */
export async function putManifest(ref: string, body: string, mediaType: string): Promise<string> {
  const r = parseRef(ref);
  const put = await req(r.registry, `/v2/${r.repository}/manifests/${r.tag}`, { method: 'PUT', headers: { 'Content-Type': mediaType }, body }, scopesFor(r.repository, true));
  if (put.status !== 201) throw new CachebenchError(`registry: PUT manifest ${r.repository}:${r.tag} answered ${put.status}: ${await put.text()}`);
  await put.body?.cancel();
  return put.headers.get('docker-content-digest') ?? '';
}

/** Copies an image between registries (blobs the target lacks are streamed); returns bytes uploaded. */
export async function copyAcross(fromRef: string, toRef: string): Promise<number> {
  const a = parseRef(fromRef);
  const b = parseRef(toRef);
  return copyManifest(a, b, a.tag, b.tag);
}
