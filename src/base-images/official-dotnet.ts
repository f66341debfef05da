/**
 * Official .NET images (`mcr.microsoft.com/dotnet/{sdk,aspnet,runtime,runtime-deps}`) and
 * the local recipe closest to each, for a machine that cannot pull them. The recipes stand
 * for the .NET 10.0 images on Debian: every tag shape real services use (`10.0`,
 * `10.0.100-noble`, `10.0.0-noble-chiseled`, `8.0-alpine`, a digest pin …) maps by the
 * image's flavour, and what differs from the tag (another .NET channel, another OS
 * family) is said in `differences`, so the console can tell the user. Pure.
 */
import { DOTNET_CHANNEL } from './dotnet-select.ts';

export type DotnetImageFlavor = 'sdk' | 'aspnet' | 'runtime' | 'runtime-deps';

/** sdk → the SDK recipe; aspnet and runtime → the ASP.NET runtime recipe (a superset of runtime); runtime-deps → runtime-deps. */
export const OFFICIAL_DOTNET_RECIPES: Readonly<Record<DotnetImageFlavor, string>> = {
  sdk: 'dotnet-sdk',
  aspnet: 'dotnet-aspnet',
  runtime: 'dotnet-aspnet',
  'runtime-deps': 'dotnet-runtime-deps',
};

const REGISTRY = 'mcr.microsoft.com';
/** Repository prefixes under mcr.microsoft.com that hold the official images (nightly builds included). */
const PREFIXES = ['dotnet/', 'dotnet/nightly/'];
/** OS families whose package manager is not apt: a RUN that installs packages there will not work on the Debian recipe. */
const NON_DEBIAN = [
  { marker: 'alpine', name: 'Alpine (musl, apk)' },
  { marker: 'azurelinux', name: 'Azure Linux (tdnf)' },
  { marker: 'cbl-mariner', name: 'CBL-Mariner (tdnf)' },
];

export interface ImageRefParts {
  /** Registry host, or '' when the reference names none (Docker Hub). */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Splits an image reference into host, repository, tag and digest, the way the
 * distribution reference grammar does: the digest follows `@`, the tag is after the last
 * `:` of the last path component, and the first component is a host when it has a dot or
 * a port, or is `localhost`.
 */
export function splitImageRef(ref: string): ImageRefParts {
  const at = ref.indexOf('@');
  const nameTag = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const lastSlash = nameTag.lastIndexOf('/');
  const colon = nameTag.indexOf(':', lastSlash + 1);
  const name = colon >= 0 ? nameTag.slice(0, colon) : nameTag;
  const tag = colon >= 0 ? nameTag.slice(colon + 1) : undefined;
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return {
    host: hasHost ? first : '',
    repository: hasHost ? name.slice(slash + 1) : name,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

export interface OfficialDotnetImage {
  image: string;
  flavor: DotnetImageFlavor;
  recipe: string;
  /** `10.0` from `10.0.100-noble`; undefined for `latest` or a digest-only pin. */
  channel?: string;
  /** What the tag says besides the version: `noble-chiseled`, `alpine`, `bookworm-slim` … */
  variant?: string;
  /** Where the local recipe differs from the image in a way a build can notice. */
  differences: string[];
}

/** The local recipe for an official .NET image, or undefined when `image` is not one. */
export function officialDotnetImage(image: string): OfficialDotnetImage | undefined {
  const ref = splitImageRef(image.trim());
  if (ref.host.toLowerCase() !== REGISTRY) return undefined;
  const prefix = PREFIXES.find((p) => ref.repository.startsWith(p) && !ref.repository.slice(p.length).includes('/'));
  if (!prefix) return undefined;
  const flavor = ref.repository.slice(prefix.length) as DotnetImageFlavor;
  const recipe = OFFICIAL_DOTNET_RECIPES[flavor];
  if (!recipe) return undefined;
  const { channel, variant } = parseDotnetTag(ref.tag);
  const differences: string[] = [];
  if (channel && channel !== DOTNET_CHANNEL) differences.push(`the recipe is .NET ${DOTNET_CHANNEL}, the image .NET ${channel}`);
  const os = NON_DEBIAN.find((o) => variant?.split('-').includes(o.marker) || variant?.startsWith(o.marker));
  if (os) differences.push(`the recipe is Debian (glibc, apt), the image ${os.name}`);
  return { image, flavor, recipe, ...(channel ? { channel } : {}), ...(variant ? { variant } : {}), differences };
}

/** `10.0.100-noble-chiseled` → channel 10.0, variant noble-chiseled; `latest` or none → neither. */
export function parseDotnetTag(tag: string | undefined): { channel?: string; variant?: string } {
  if (!tag || tag === 'latest') return {};
  const parts = tag.split('-');
  const version = parts[0] ?? '';
  const nums = version.split('.');
  if (nums.length < 2 || !nums.every((n) => n !== '' && [...n].every((c) => c >= '0' && c <= '9'))) return { variant: tag };
  // Prerelease versions (10.0.100-preview.7) keep their label out of the variant.
  const rest = parts.slice(1).filter((p, i) => !(i === 0 && /^(preview|rc|alpha|beta)(\.|$)/.test(p)));
  return { channel: `${nums[0]}.${nums[1]}`, ...(rest.length ? { variant: rest.join('-') } : {}) };
}

/** The console line for an image mapped automatically. */
export function describeMapping(m: OfficialDotnetImage): string {
  const why = ['no registry access', 'closest equivalent', ...m.differences].join('; ');
  return `base image ${m.image} → local recipe ${m.recipe} (${why})`;
}
