/**
 * Parser for `buildx build --progress=rawjson`: a stream of SolveStatus objects, one per
 * line (buildx ≥ 0.14) or pretty-printed over many lines (older buildx). Vertexes arrive
 * in pieces and are merged by digest; logs are base64 and kept per vertex.
 */

export interface RawVertex {
  digest: string;
  inputs?: string[];
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}
interface RawStatus {
  id: string;
  vertex: string;
  name?: string;
  total?: number;
  current?: number;
  timestamp?: string;
  started?: string;
  completed?: string;
}
interface RawLog {
  vertex: string;
  stream?: number;
  data?: string;
  timestamp?: string;
}
interface RawWarning {
  vertex?: string;
  level?: number;
  short?: string;
  detail?: string[];
}
export interface SolveStatus {
  vertexes?: RawVertex[];
  statuses?: RawStatus[];
  logs?: RawLog[];
  warnings?: RawWarning[];
}

export interface Vertex {
  digest: string;
  name: string;
  inputs: string[];
  started?: Date;
  completed?: Date;
  cached: boolean;
  error?: string;
  /** Order in which the vertex first appeared. */
  order: number;
}

/** A progress item inside a vertex (a layer download, an extraction, a push), merged by vertex + id. */
export interface Status {
  vertex: string;
  id: string;
  name?: string;
  total?: number;
  current?: number;
  started?: Date;
  completed?: Date;
  /** The last update's time: where BuildKit never sent `completed` (a download it reported at current = total and then went quiet on), its end. */
  updated?: Date;
}

export interface ParsedProgress {
  vertexes: Vertex[];
  statuses: Status[];
  logs: Map<string, string>;
  warnings: string[];
  /** Lines that were not part of any JSON object (buildx's own errors go here). */
  otherText: string;
}

/**
 * Splits text into top-level JSON object texts, whether they are one a line or
 * pretty-printed. Complete lines outside any object go to `rest`; an unfinished object
 * or an unfinished last line goes to `pending` (feed it again with the next chunk).
 */
export function splitJsonObjects(text: string): { objects: string[]; rest: string; pending: string } {
  const objects: string[] = [];
  let rest = '';
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (depth === 0) {
      if (ch === '{' && text.slice(lineStart, i).trim() === '') {
        depth = 1;
        start = i;
        inString = false;
        escaped = false;
      } else if (ch === '\n') {
        const line = text.slice(lineStart, i);
        if (line.trim() !== '') rest += line + '\n';
        lineStart = i + 1;
      }
      continue;
    }
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) {
        objects.push(text.slice(start, i + 1));
        lineStart = i + 1;
      }
    }
  }
  const pending = depth > 0 ? text.slice(start) : text.slice(lineStart);
  return { objects, rest, pending };
}

/** Incremental parser: feed chunks of stderr, read the merged state at any time. */
export class RawJsonParser {
  private pending = '';
  private readonly byDigest = new Map<string, Vertex>();
  private readonly statuses = new Map<string, Status>();
  private readonly logs = new Map<string, string[]>();
  private readonly warnings: string[] = [];
  private other = '';

  /** Feeds a chunk; returns the vertexes that changed. */
  push(chunk: string): Vertex[] {
    const { objects, rest, pending } = splitJsonObjects(this.pending + chunk);
    this.pending = pending;
    this.other += rest;
    const changed: Vertex[] = [];
    for (const text of objects) changed.push(...this.parseObject(text));
    return changed;
  }

  end(): ParsedProgress {
    if (this.pending.trim() !== '') {
      const { objects, rest, pending } = splitJsonObjects(this.pending + '\n');
      for (const text of objects) this.parseObject(text);
      this.other += rest + pending;
      this.pending = '';
    }
    return this.result();
  }

  result(): ParsedProgress {
    const logs = new Map<string, string>();
    for (const [d, parts] of this.logs) logs.set(d, parts.join(''));
    return {
      vertexes: [...this.byDigest.values()].sort((a, b) => a.order - b.order),
      statuses: [...this.statuses.values()],
      logs,
      warnings: [...this.warnings],
      otherText: this.other,
    };
  }

  private parseObject(text: string): Vertex[] {
    try {
      return this.apply(JSON.parse(text) as SolveStatus);
    } catch {
      this.other += text + '\n';
      return [];
    }
  }

  private apply(status: SolveStatus): Vertex[] {
    const changed: Vertex[] = [];
    for (const raw of status.vertexes ?? []) {
      if (typeof raw.digest !== 'string') continue;
      let v = this.byDigest.get(raw.digest);
      if (!v) {
        v = { digest: raw.digest, name: raw.name ?? '', inputs: raw.inputs ?? [], cached: false, order: this.byDigest.size };
        this.byDigest.set(raw.digest, v);
      }
      if (raw.name) v.name = raw.name;
      if (raw.inputs) v.inputs = raw.inputs;
      if (raw.started) v.started = new Date(raw.started);
      if (raw.completed) v.completed = new Date(raw.completed);
      if (raw.cached) v.cached = true;
      if (raw.error) v.error = raw.error;
      changed.push(v);
    }
    for (const raw of status.statuses ?? []) {
      if (typeof raw.vertex !== 'string' || typeof raw.id !== 'string') continue;
      const key = `${raw.vertex} ${raw.id}`;
      let st = this.statuses.get(key);
      if (!st) {
        st = { vertex: raw.vertex, id: raw.id };
        this.statuses.set(key, st);
      }
      if (raw.name) st.name = raw.name;
      if (typeof raw.total === 'number') st.total = raw.total;
      if (typeof raw.current === 'number') st.current = raw.current;
      if (raw.started) st.started = new Date(raw.started);
      if (raw.completed) st.completed = new Date(raw.completed);
      if (raw.timestamp) st.updated = new Date(raw.timestamp);
    }
    for (const log of status.logs ?? []) {
      if (!log.data) continue;
      const parts = this.logs.get(log.vertex) ?? [];
      parts.push(Buffer.from(log.data, 'base64').toString('utf8'));
      this.logs.set(log.vertex, parts);
    }
    for (const w of status.warnings ?? []) {
      const text = w.short ? Buffer.from(w.short, 'base64').toString('utf8') : '';
      if (text) this.warnings.push(text);
    }
    return changed;
  }
}

export function parseRawJson(text: string): ParsedProgress {
  const p = new RawJsonParser();
  p.push(text);
  return p.end();
}
