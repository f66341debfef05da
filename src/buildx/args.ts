/** Pure: a build request → the `docker buildx build` argument list. */

export interface BuildRequest {
  context: string;
  dockerfile?: string;
  target?: string;
  platform?: string;
  buildArgs?: Record<string, string>;
  /** Named build contexts, e.g. `{ 'busybox:1.36': 'docker-image://…' }`. */
  buildContexts?: Record<string, string>;
  /** Fully qualified refs only: a short name together with --push also targets Docker Hub. */
  tags?: string[];
  push?: boolean;
  cacheFrom?: string[];
  cacheTo?: string[];
  network?: 'host' | 'none' | 'default';
  metadataFile?: string;
  builder?: string;
  noCache?: boolean;
  /** Extra outputs (e.g. `type=image,…,rewrite-timestamp=true`), used instead of tags/push. */
  output?: string;
}

export function buildxArgs(req: BuildRequest): string[] {
  const args = ['buildx', 'build', '--progress=rawjson', '--provenance=false', '--sbom=false'];
  if (req.builder) args.push('--builder', req.builder);
  if (req.dockerfile) args.push('--file', req.dockerfile);
  if (req.target) args.push('--target', req.target);
  if (req.platform) args.push('--platform', req.platform);
  args.push(`--network=${req.network ?? 'host'}`);
  for (const [k, v] of Object.entries(req.buildArgs ?? {}).sort(([a], [b]) => a.localeCompare(b))) args.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(req.buildContexts ?? {}).sort(([a], [b]) => a.localeCompare(b))) args.push('--build-context', `${k}=${v}`);
  for (const t of req.tags ?? []) args.push('--tag', t);
  if (req.output) args.push('--output', req.output);
  else if (req.push) args.push('--push');
  for (const c of req.cacheFrom ?? []) args.push('--cache-from', c);
  for (const c of req.cacheTo ?? []) args.push('--cache-to', c);
  if (req.noCache) args.push('--no-cache');
  if (req.metadataFile) args.push('--metadata-file', req.metadataFile);
  args.push(req.context);
  return args;
}
