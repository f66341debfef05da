// The CI cache service a hosted runner saves its cache directories to (as actions/cache
// does): a tiny HTTP blob store started inside the CI cache link's server namespace.
//   GET    /healthz     -> 204
//   PUT    /blobs/KEY   -> stores the body as DIR/KEY.tar (written aside, then renamed), 201
//   GET    /blobs/KEY   -> the stored archive, 404 when there is none
//   DELETE /blobs/KEY   -> 204
// Plain JavaScript (no build step) like the link's other helpers. It exits on SIGTERM or
// when the process that started it (argv: dir host port parentPid) is gone.
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { exitOnSignals } from './server-exit.mjs';

const KEY = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** @param {string} dir */
function handler(dir) {
  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://cache');
    if (req.method === 'GET' && url.pathname === '/healthz') return void res.writeHead(204).end();
    const key = url.pathname.startsWith('/blobs/') ? url.pathname.slice('/blobs/'.length) : '';
    if (!KEY.test(key)) return void res.writeHead(400).end('key must match [a-z0-9][a-z0-9._-]*\n');
    const file = path.join(dir, `${key}.tar`);
    if (req.method === 'PUT') {
      const part = `${file}.part`;
      pipeline(req, createWriteStream(part)).then(
        () => {
          renameSync(part, file);
          res.writeHead(201).end(String(statSync(file).size));
        },
        (err) => {
          rmSync(part, { force: true });
          res.writeHead(500).end(String(err));
        },
      );
      return;
    }
    if (req.method === 'GET') {
      let size;
      try {
        size = statSync(file).size;
      } catch {
        return void res.writeHead(404).end();
      }
      res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': String(size) });
      pipeline(createReadStream(file), res).catch(() => res.destroy());
      return;
    }
    if (req.method === 'DELETE') {
      rmSync(file, { force: true });
      return void res.writeHead(204).end();
    }
    res.writeHead(405).end();
  };
}

const [dir, host, port, parentPid] = process.argv.slice(2);
if (!dir || !host || !port || !parentPid) {
  process.stderr.write('usage: ci-cache-server.mjs DIR HOST PORT PARENT_PID\n');
  process.exit(2);
}
const server = http.createServer(handler(dir));
server.keepAliveTimeout = 30_000;
server.listen(Number(port), host);
const exit = exitOnSignals(server);
setInterval(() => {
  try {
    process.kill(Number(parentPid), 0);
  } catch {
    exit();
  }
}, 5000).unref();
