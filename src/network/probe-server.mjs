// The far end of Link.measure(): a tiny HTTP server started inside the server namespace.
//   GET  /ping        -> 204, no body (round-trip probes)
//   GET  /bytes?n=N   -> N bytes (download throughput)
//   PUT  /sink        -> reads the body, answers with the byte count (upload throughput)
// Plain JavaScript for the same reason as relay.mjs. It reports readiness over the IPC
// channel and exits when that closes, on SIGTERM, or after its lifetime; it serves at
// most `maxBytes` per request.
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { exitOnSignals } from './server-exit.mjs';

const CHUNK = Buffer.alloc(256 * 1024, 0x61);

/** @param {{ host: string, port: number, maxBytes: number }} opts */
export async function startProbeServer(opts) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://probe');
    if (req.method === 'GET' && url.pathname === '/ping') {
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/bytes') {
      const n = Number(url.searchParams.get('n'));
      if (!Number.isInteger(n) || n < 0 || n > opts.maxBytes) {
        res.writeHead(400).end(`n must be an integer in 0..${opts.maxBytes}\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(n) });
      let left = n;
      const pump = () => {
        while (left > 0) {
          const size = Math.min(left, CHUNK.length);
          left -= size;
          if (!res.write(CHUNK.subarray(0, size))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.method === 'PUT' && url.pathname === '/sink') {
      let received = 0;
      req.on('data', (chunk) => {
        received += chunk.length;
        if (received > opts.maxBytes) req.destroy();
      });
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(String(received)));
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve(undefined));
  });
  return server;
}

async function main() {
  /** @type {{ host: string, port: number, maxBytes: number, maxLifetimeMs: number }} */
  const opts = JSON.parse(process.argv[2] ?? '');
  if (typeof process.send !== 'function') {
    process.stderr.write('probe server: needs an IPC channel to its parent (it is started by link.ts)\n');
    process.exit(2);
  }
  const server = await startProbeServer(opts);
  const exit = exitOnSignals(server);
  process.on('disconnect', exit);
  setTimeout(exit, opts.maxLifetimeMs).unref();
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  process.send({ type: 'ready', pid: process.pid, port });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    process.stderr.write(`probe server failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
