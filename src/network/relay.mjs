// A TCP relay that adds a one-way delay in each direction, run inside the client
// network namespace of a link.
//
// Plain JavaScript on purpose: it is started with `ip netns exec NS node relay.mjs CONFIG`,
// and plain `node` starts in ~50 ms with no loader and no helper process (tsx would add
// an esbuild service process inside the namespace). link.ts / plan.ts own the config type
// (RelayConfig).
//
// Listening sockets come from the parent over the IPC channel: the parent creates them
// in the ROOT namespace on 127.0.0.1 and sends the handles; a socket keeps the namespace
// it was created in, so this process accepts connections on the root namespace's
// loopback and connects to the server across the veth from the client namespace. One
// process, one hop, and no address in the root namespace other than 127.0.0.1.
//
// Why a relay and not netem: the kernel of these machines has no sch_netem, so the
// round-trip time is added in user space. Each direction has its own queue of
// (due time, chunk); a chunk is written once it is due, in arrival order. The first
// byte of a new connection is also held back by one round trip, because a real TCP
// handshake costs one RTT before the client may send anything.
//
// Lifetime: exits when the IPC channel closes (the owner died), on SIGTERM/SIGINT, or
// after `maxLifetimeMs`. Nothing here loops without a bound.
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setImmediate, clearImmediate } from 'node:timers';

/**
 * @typedef {{ path: string } | { host: string, port: number }} Endpoint
 * @typedef {{ connect: Endpoint, oneWayDelayMs: number, handshakeMs: number }} Route
 * @typedef {{ routes: Route[], maxQueueBytes: number, maxLifetimeMs: number, maxConnections: number }} Config
 */

// A chunk is written if it is due within this slack. Node timers run on the event loop's
// cached millisecond clock, so they fire up to ~1 ms early or late; waking up again for
// less than that only adds a late millisecond. Measured on a 2-core VM: slack 1 ms with
// floor()ed timeouts gives medians within ~0.7 ms of the target for 10–30 ms RTTs
// (0.25 ms slack: +3 ms; rounded timeouts: +2.5 ms). Tiny delays use a smaller slack, or
// a 1 ms one-way delay would round to none.
const MAX_SLACK_MS = 1;

/**
 * Moves bytes from `src` to `dst`, each chunk `delayMs` after it arrived (never before
 * `notBefore`), preserving order, with at most `maxBytes` queued before `src` is paused.
 * `src`'s end (FIN) travels through the queue like data, so a half-close arrives late
 * too. Errors are the caller's: it tears both sockets down and calls stop().
 * @param {net.Socket} src
 * @param {net.Socket} dst
 * @param {{ delayMs: number, notBefore: number, maxBytes: number }} opts
 */
export function delayPipe(src, dst, opts) {
  /** @type {{ due: number, chunk: Buffer | null }[]} */
  const queue = [];
  let head = 0;
  let queuedBytes = 0;
  /** @type {{ kind: 'timeout', handle: NodeJS.Timeout } | { kind: 'immediate', handle: NodeJS.Immediate } | null} */
  let timer = null;
  let waitingForDrain = false;
  let finished = false;

  const slack = Math.min(MAX_SLACK_MS, opts.delayMs / 4);
  const dueTime = () => Math.max(performance.now(), opts.notBefore) + opts.delayMs;

  const flush = () => {
    timer = null;
    if (finished || waitingForDrain) return;
    const now = performance.now();
    while (head < queue.length) {
      const item = queue[head];
      if (item.due > now + slack) break;
      head += 1;
      if (item.chunk === null) {
        finished = true;
        dst.end();
        break;
      }
      queuedBytes -= item.chunk.length;
      if (!dst.write(item.chunk)) {
        waitingForDrain = true;
        dst.once('drain', () => {
          waitingForDrain = false;
          flush();
        });
        break;
      }
    }
    // Drop sent entries when the queue empties, or now and then, not one shift() at a time.
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    if (src.isPaused() && queuedBytes <= opts.maxBytes / 2 && !src.readableEnded) src.resume();
    schedule();
  };

  const schedule = () => {
    if (timer !== null || waitingForDrain || finished || head >= queue.length) return;
    const wait = queue[head].due - performance.now();
    timer = wait <= slack ? { kind: 'immediate', handle: setImmediate(flush) } : { kind: 'timeout', handle: setTimeout(flush, Math.max(1, Math.floor(wait))) };
  };

  src.on('data', (chunk) => {
    queue.push({ due: dueTime(), chunk });
    queuedBytes += chunk.length;
    if (queuedBytes > opts.maxBytes) src.pause();
    schedule();
  });
  src.on('end', () => {
    queue.push({ due: dueTime(), chunk: null });
    schedule();
  });

  return {
    stop() {
      finished = true;
      if (timer?.kind === 'timeout') clearTimeout(timer.handle);
      if (timer?.kind === 'immediate') clearImmediate(timer.handle);
      timer = null;
      queue.length = 0;
    },
  };
}

/** @param {Endpoint} e */
function describe(e) {
  return 'path' in e ? e.path : `${e.host}:${e.port}`;
}

/**
 * Serves `route` on an already listening server: every accepted connection is joined
 * to a new connection to `route.connect`, with the delay both ways.
 * @param {net.Server} server
 * @param {Route} route
 * @param {Config} config
 * @param {Set<net.Socket>} sockets
 * @param {(line: string) => void} log
 */
export function serveRoute(server, route, config, sockets, log) {
  // Set before the first accept: a server received over IPC is created with defaults.
  server.allowHalfOpen = true;
  server.pauseOnConnect = true;
  // An accept error (EMFILE) must not take the whole relay down.
  server.on('error', (err) => log(`listening socket for ${describe(route.connect)}: ${err.message}`));
  server.on('connection', (inbound) => {
    if (sockets.size >= config.maxConnections * 2) {
      log(`refusing a connection for ${describe(route.connect)}: ${config.maxConnections} connections open`);
      inbound.destroy();
      return;
    }
    const accepted = performance.now();
    const outbound = net.connect({ ...route.connect, allowHalfOpen: true });
    sockets.add(inbound);
    sockets.add(outbound);
    inbound.setNoDelay(true);
    if (!('path' in route.connect)) outbound.setNoDelay(true);
    const pipes = [
      delayPipe(inbound, outbound, { delayMs: route.oneWayDelayMs, notBefore: accepted + route.handshakeMs, maxBytes: config.maxQueueBytes }),
      delayPipe(outbound, inbound, { delayMs: route.oneWayDelayMs, notBefore: 0, maxBytes: config.maxQueueBytes }),
    ];
    let failed = false;
    const fail = (err) => {
      if (failed) return;
      failed = true;
      if (err && err.code !== 'ECONNRESET' && err.code !== 'EPIPE') log(`-> ${describe(route.connect)}: ${err.message}`);
      for (const p of pipes) p.stop();
      inbound.destroy();
      outbound.destroy();
    };
    for (const s of [inbound, outbound]) {
      s.on('error', fail);
      s.on('close', () => sockets.delete(s));
    }
    inbound.resume();
  });
}

function main() {
  /** @type {Config} */
  const config = JSON.parse(process.argv[2] ?? '');
  const log = (line) => process.stderr.write(`relay[${process.pid}] ${line}\n`);
  if (typeof process.send !== 'function') {
    log('needs an IPC channel to its parent (it is started by link.ts)');
    process.exit(2);
  }
  /** @type {Set<net.Socket>} */
  const sockets = new Set();
  /** @type {net.Server[]} */
  const servers = [];
  let exiting = false;
  const exit = (why, code = 0) => {
    if (exiting) return;
    exiting = true;
    log(`exiting: ${why}`);
    for (const s of servers) s.close();
    for (const s of sockets) s.destroy();
    process.exit(code);
  };
  process.on('SIGTERM', () => exit('SIGTERM'));
  process.on('SIGINT', () => exit('SIGINT'));
  process.on('disconnect', () => exit('owner disconnected'));
  setTimeout(() => exit(`lifetime of ${config.maxLifetimeMs} ms reached`), config.maxLifetimeMs).unref();
  process.on('message', (msg, handle) => {
    const route = msg && msg.type === 'listen' ? config.routes[msg.route] : undefined;
    if (!route || !(handle instanceof net.Server)) {
      exit(`unexpected message from the owner: ${JSON.stringify(msg)}`, 2);
      return;
    }
    servers.push(handle);
    serveRoute(handle, route, config, sockets, log);
    if (servers.length === config.routes.length) process.send({ type: 'ready', pid: process.pid });
  });
  process.send({ type: 'hello', pid: process.pid });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`relay failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  }
}
