/**
 * GET on the Docker Engine API over its unix socket: a few milliseconds, where a docker CLI
 * call costs ~0.3 s of process start (it runs before every build: readiness, emptiness).
 */
import http from 'node:http';

/** The response body of GET `urlPath` (rejects on a status other than 200, or no answer in `timeoutMs`). */
export function engineGet(socketPath: string, urlPath: string, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: urlPath, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${urlPath}: HTTP ${res.statusCode} ${body.slice(0, 200)}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath}: no answer in ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

/** The engine's socket path from a DOCKER_HOST of the form unix://PATH, else undefined. */
export function unixSocketOf(dockerHost: string | undefined): string | undefined {
  return dockerHost?.startsWith('unix://') ? dockerHost.slice('unix://'.length) : undefined;
}
