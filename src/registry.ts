/**
 * A minimal client for the distribution registry HTTP API (v2), over plain HTTP on
 * loopback: existence checks, copying a cache or image state into a fresh repository
 * (cross-repository blob mounts, so nothing is re-uploaded), sizes, and deletes.
 */
import { CachebenchError } from './errors.ts';

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

async function req(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new CachebenchError(`registry request failed: ${init.method ?? 'GET'} ${url}`, {
      cause: err,
      hint: 'is the registry running? `cachebench doctor` checks it',
    });
  }
}

export async function getManifest(registry: string, repository: string, reference: string): Promise<{ digest: string; body: string; mediaType: string } | undefined> {
  const r = await req(`http://${registry}/v2/${repository}/manifests/${reference}`, { headers: { Accept: MANIFEST_TYPES } });
  if (r.status === 404) return undefined;
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
  const r = await req(`http://${registry}/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`, { method: 'POST' });
  if (r.status === 201) return;
  throw new CachebenchError(`registry: could not mount blob ${digest} from ${from} into ${to} (HTTP ${r.status})`);
}

async function copyManifest(registry: string, from: string, to: string, reference: string, toTag: string | undefined): Promise<void> {
  const m = await getManifest(registry, from, reference);
  if (!m) throw new CachebenchError(`registry: ${registry}/${from}@${reference} does not exist`);
  const doc = JSON.parse(m.body) as ManifestDoc;
  for (const child of doc.manifests ?? []) await copyManifest(registry, from, to, child.digest, undefined);
  if (doc.config) await mountBlob(registry, from, to, doc.config.digest);
  for (const l of doc.layers ?? []) await mountBlob(registry, from, to, l.digest);
  const put = await req(`http://${registry}/v2/${to}/manifests/${toTag ?? m.digest}`, {
    method: 'PUT',
    headers: { 'Content-Type': m.mediaType || doc.mediaType || 'application/vnd.oci.image.manifest.v1+json' },
    body: m.body,
  });
  if (put.status !== 201) throw new CachebenchError(`registry: PUT manifest ${to}:${toTag ?? m.digest} answered ${put.status}: ${await put.text()}`);
}

/** Copies `fromRef` to `toRef` on the same registry without moving blob bytes. */
export async function copyRef(fromRef: string, toRef: string): Promise<void> {
  const a = parseRef(fromRef);
  const b = parseRef(toRef);
  if (a.registry !== b.registry) throw new CachebenchError(`copyRef needs one registry: ${fromRef} → ${toRef}`);
  await copyManifest(a.registry, a.repository, b.repository, a.tag, b.tag);
}

/** Deletes a tag's manifest (blobs go at the registry's next garbage collection). */
export async function deleteRef(ref: string): Promise<void> {
  const r = parseRef(ref);
  const m = await getManifest(r.registry, r.repository, r.tag);
  if (!m) return;
  await req(`http://${r.registry}/v2/${r.repository}/manifests/${m.digest}`, { method: 'DELETE' });
}
