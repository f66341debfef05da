/**
 * Pure: what a BuildKit vertex name says. The Dockerfile frontend names an instruction's
 * vertex `[PLATFORM STAGE i/n] TEXT` (moby/buildkit dockerfile2llb `prefixCommand`):
 * - PLATFORM only on multi-platform builds (`linux/amd64`, or `linux/amd64->arm64` when
 *   the build and target platforms differ);
 * - STAGE is the stage name or `stage-N`, absent when the Dockerfile has one stage;
 * - i is right-aligned to the width of n (`[build  4/11]`);
 * - `ONBUILD ` may precede TEXT; `COPY --link` gets a second vertex `LINK COPY …` with the
 *   same prefix (the layer rebased onto the stage).
 * Other names: `[internal] …`, `[auth] …`, `[context NAME] …` (a FROM served by
 * `--build-context`), an unprefixed `FROM image` (an image used by `COPY --from=image`),
 * and the cache and export vertices.
 */
import type { StepKind } from '../results/types.ts';

export interface InstructionName {
  platform?: string;
  /** '' for a single-stage Dockerfile. */
  stage: string;
  step: number;
  total: number;
  onbuild: boolean;
  /** The `LINK …` vertex of a `COPY --link`. */
  link: boolean;
  /** The instruction text after the prefix (and after `LINK `). */
  text: string;
  keyword: string;
}

const PREFIXED = /^\[(?:([a-z0-9]+\/[^\s\]]+) )?(?:([^\s\]/]+) )?\s*(\d+)\/(\d+)\] (.*)$/is;

/** The parts of an instruction vertex's name, or undefined for any other vertex. */
export function parseInstructionName(name: string): InstructionName | undefined {
  const m = PREFIXED.exec(name);
  if (!m) return undefined;
  let text = m[5] as string;
  const onbuild = /^ONBUILD /.test(text);
  if (onbuild) text = text.slice('ONBUILD '.length);
  const link = /^LINK /.test(text);
  if (link) text = text.slice('LINK '.length);
  return {
    ...(m[1] ? { platform: m[1] } : {}),
    stage: (m[2] ?? '').toLowerCase(),
    step: Number(m[3]),
    total: Number(m[4]),
    onbuild,
    link,
    text,
    keyword: (/^(\w+)/.exec(text)?.[1] ?? '').toUpperCase(),
  };
}

/** The key that the vertices of one instruction share (a `COPY --link` and its `LINK`). */
export function instructionKey(n: InstructionName): string {
  return `${n.platform ?? ''}|${n.stage}|${n.step}/${n.total}`;
}

/** `[context NAME] …`: a FROM served by a named build context (or its metadata lookup). */
export function contextName(name: string): { context: string; metadata: boolean } | undefined {
  const m = /^\[context ([^\]]+)\] (.*)$/s.exec(name);
  if (!m) return undefined;
  return { context: m[1] as string, metadata: /^load metadata for /.test(m[2] as string) };
}

export function classify(name: string): { kind: StepKind; stage?: string } {
  const ins = parseInstructionName(name);
  if (ins) return ins.keyword === 'FROM' ? { kind: 'base', stage: ins.stage } : { kind: 'instruction', stage: ins.stage };
  const ctx = contextName(name);
  if (ctx) return { kind: ctx.metadata ? 'internal' : 'base' };
  if (/^FROM /.test(name)) return { kind: 'base' };
  if (/^\[[^\]]*\b(internal|auth)\]/.test(name) || /^resolve image config for /i.test(name)) return { kind: 'internal' };
  if (/^importing cache manifest/i.test(name)) return { kind: 'cache-import' };
  if (/^exporting cache|^preparing build cache|^writing cache/i.test(name)) return { kind: 'cache-export' };
  if (/^exporting to (image|docker|oci|client)|^exporting layers|^pushing|^resolving provenance|^exporting (manifest|config|attestation)/i.test(name)) return { kind: 'image-export' };
  return { kind: 'other' };
}
