/**
 * Measuring a link from the root namespace: HTTP requests to the probe server through
 * the whole path give download and upload goodput and the median round trip.
 */
import http from 'node:http';
import { UsageError } from '../errors.ts';
import { LinkError, type LinkMeasurement, type MeasureOptions } from './link-types.ts';
import type { LinkProfile } from './profiles.ts';

const WARMUP_PINGS = 5;

interface TimedResponse {
  status: number;
  bytes: number;
  body: string;
  startedAt: number;
  firstByteAt: number;
  endedAt: number;
}

function timedRequest(
  agent: http.Agent,
  port: number,
  method: string,
  urlPath: string,
  timeoutMs: number,
  upload?: { bytes: number },
): Promise<TimedResponse> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    let firstByteAt = 0;
    let bytes = 0;
    let body = '';
    const headers: Record<string, string> = upload ? { 'content-length': String(upload.bytes), 'content-type': 'application/octet-stream' } : {};
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent, headers }, (res) => {
      res.on('data', (d: Buffer) => {
        if (firstByteAt === 0) firstByteAt = performance.now();
        bytes += d.length;
        if (body.length < 200) body += d.toString('utf8', 0, Math.min(d.length, 200));
      });
      res.on('end', () => {
        const endedAt = performance.now();
        resolve({ status: res.statusCode ?? 0, bytes, body, startedAt, firstByteAt: firstByteAt || endedAt, endedAt });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${urlPath} took longer than ${timeoutMs} ms`)));
    req.on('error', reject);
    if (!upload) {
      req.end();
      return;
    }
    const chunk = Buffer.alloc(Math.min(upload.bytes, 256 * 1024), 0x62);
    let left = upload.bytes;
    const pump = () => {
      while (left > 0) {
        const size = Math.min(left, chunk.length);
        left -= size;
        if (!req.write(chunk.subarray(0, size))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Payload size so a transfer takes ~1.5 s at `rateMbit`, within 4..64 MB. */
export function defaultMeasureBytes(rateMbit: number): number {
  if (rateMbit <= 0) return 64e6;
  return Math.round(Math.min(64e6, Math.max(4e6, ((rateMbit * 1e6) / 8) * 1.5)));
}

/** Goodput both ways, then `pings` round trips, through the probe server reached at 127.0.0.1:`port`. */
export async function measureThrough(port: number, profile: LinkProfile, opts: MeasureOptions): Promise<LinkMeasurement> {
  const bytes = opts.bytes ?? defaultMeasureBytes(profile.rateMbit);
  const pings = opts.pings ?? 20;
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1e9) throw new UsageError(`measure: bytes = ${bytes} is not allowed`, 'use an integer in 1..1e9');
  if (!Number.isInteger(pings) || pings < 1 || pings > 1000) throw new UsageError(`measure: pings = ${pings} is not allowed`, 'use an integer in 1..1000');
  // Generous bound: 5x the expected time at the profile's rate, plus 10 s.
  const expectedMs = profile.rateMbit > 0 ? (bytes * 8) / (profile.rateMbit * 1e3) : 1000;
  const transferTimeout = Math.ceil(expectedMs * 5 + 10_000);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // The first request opens the connection (and pays the handshake); a few more warm up
    // the freshly started probe server (its first answers are JIT-slow). None is counted.
    for (let i = 0; i < WARMUP_PINGS; i++) {
      const warm = await timedRequest(agent, port, 'GET', '/ping', 10_000);
      if (warm.status !== 204) throw new LinkError(`probe server answered ${warm.status} to /ping`);
    }
    const down = await timedRequest(agent, port, 'GET', `/bytes?n=${bytes}`, transferTimeout);
    if (down.status !== 200 || down.bytes !== bytes) throw new LinkError(`download through the link returned ${down.status} with ${down.bytes} of ${bytes} bytes`);
    const up = await timedRequest(agent, port, 'PUT', '/sink', transferTimeout, { bytes });
    if (up.status !== 200 || Number(up.body) !== bytes) throw new LinkError(`upload through the link returned ${up.status}, server got ${up.body} of ${bytes} bytes`);
    // Round trips last, on the same (idle again) connection.
    const samples: number[] = [];
    for (let i = 0; i < pings; i++) {
      const r = await timedRequest(agent, port, 'GET', '/ping', 10_000);
      samples.push(r.endedAt - r.startedAt);
    }
    const rttMs = median(samples);
    const downloadMs = down.endedAt - down.startedAt;
    const uploadMs = up.endedAt - up.startedAt;
    // Goodput excludes the one round trip before the first byte (download) or before the
    // server's answer reaches us (upload), so it estimates the link rate, not the latency.
    const downSpan = Math.max(1e-3, down.endedAt - down.firstByteAt);
    const upSpan = Math.max(1e-3, uploadMs - rttMs);
    return {
      throughputMbit: (bytes * 8) / (downSpan * 1e3),
      uploadMbit: (bytes * 8) / (upSpan * 1e3),
      rttMs,
      rttSamplesMs: samples,
      bytes,
      downloadMs,
      uploadMs,
    };
  } finally {
    agent.destroy();
  }
}
