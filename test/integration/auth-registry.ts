/**
 * A registry that behaves like a hosted one, for tests: the distribution registry (the
 * provisioned binary) on 127.0.0.1 with TLS from a certificate made here, and token auth
 * (`auth: token`) backed by a small token server that checks a username/password and
 * signs ES256 JWTs (x5c chain) for the scopes it is asked for — the same dance as
 * Docker Hub or GHCR. Anonymous requests get 401.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { readProvisioned } from '../../src/engine/provision.ts';
import { freePort } from '../../src/network/registry-link.ts';

export interface AuthRegistry {
  /** host:port, as written in refs. */
  host: string;
  /** PEM file of the certificate the registry and the token server present. */
  caFile: string;
  username: string;
  password: string;
  /** Token requests seen: who asked, for what, from which client, and whether granted. */
  tokenRequests: Array<{ user: string; scopes: string[]; userAgent: string; granted: boolean; method: string }>;
  /** A Bearer token for `scopes` (for the test's own checks). */
  token(scopes: string[]): Promise<string>;
  stop(): Promise<void>;
}

const SERVICE = 'cachebench-test-registry';
const ISSUER = 'cachebench-test-token-issuer';

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export async function startAuthRegistry(): Promise<AuthRegistry> {
  const bin = readProvisioned()?.binDir;
  if (!bin) throw new Error('the registry binary is not provisioned (npm run setup)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cb-authreg-'));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=cachebench test registry', '-addext', 'subjectAltName=IP:127.0.0.1', '-addext', 'basicConstraints=critical,CA:TRUE']);
  const keyPem = readFileSync(key);
  const certPem = readFileSync(cert);
  const privateKey = createPrivateKey(keyPem);
  const x5c = [new X509Certificate(certPem).raw.toString('base64')];
  const username = 'ci-bot';
  const password = `s3cret-${randomBytes(8).toString('hex')}`;
  const tokenRequests: AuthRegistry['tokenRequests'] = [];

  const issue = (user: string, scopes: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes
      .map((s) => /^([a-z]+):(.+):([a-z*,]+)$/.exec(s))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ type: m[1], name: m[2], actions: (m[3] as string).split(',') }));
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c }));
    const claims = b64url(JSON.stringify({ iss: ISSUER, sub: user, aud: SERVICE, exp: now + 600, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const sig = sign('sha256', Buffer.from(`${header}.${claims}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${header}.${claims}.${b64url(sig)}`;
  };

  const tokenServer: Server = createServer({ key: keyPem, cert: certPem }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://x');
      let user = '';
      let pass = '';
      let scopes = url.searchParams.getAll('scope');
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      if (basic) {
        const dec = Buffer.from(basic[1] as string, 'base64').toString();
        user = dec.slice(0, dec.indexOf(':'));
        pass = dec.slice(dec.indexOf(':') + 1);
      }
      if (req.method === 'POST') {
        // OAuth2 password grant (what containerd's authorizer tries first).
        const form = new URLSearchParams(body);
        user = form.get('username') ?? user;
        pass = form.get('password') ?? pass;
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      }
      const granted = user === username && pass === password;
      tokenRequests.push({ user, scopes: scopes.flatMap((s) => s.split(' ')), userAgent: req.headers['user-agent'] ?? '', granted, method: req.method ?? '' });
      if (!granted) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
        return;
      }
      const token = issue(user, scopes.flatMap((s) => s.split(' ')));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token, access_token: token, expires_in: 600, issued_at: new Date().toISOString() }));
    });
  });
  const tokenPort = await freePort();
  await new Promise<void>((resolve) => tokenServer.listen(tokenPort, '127.0.0.1', resolve));

  const port = await freePort();
  const config = path.join(dir, 'registry.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: warn }',
      'storage:',
      `  filesystem: { rootdirectory: ${path.join(dir, 'storage')} }`,
      '  delete: { enabled: true }',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  tls: { certificate: ${cert}, key: ${key} }`,
      'auth:',
      '  token:',
      `    realm: https://127.0.0.1:${tokenPort}/token`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${cert}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(path.join(bin, 'docker-registry'), ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const host = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await new Promise<void>((r) => tokenServer.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  };
  // Wait until it answers over TLS (401 without a token is the sign of life).
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await execa('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', cert, `https://${host}/v2/`], { reject: false });
    if (r.stdout === '401') break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the test registry did not come up: ${log}`);
    }
    await new Promise((r2) => setTimeout(r2, 200));
  }
  return {
    host,
    caFile: cert,
    username,
    password,
    tokenRequests,
    async token(scopes) {
      const url = new URL(`https://127.0.0.1:${tokenPort}/token`);
      url.searchParams.set('service', SERVICE);
      for (const s of scopes) url.searchParams.append('scope', s);
      const r = await execa('curl', ['-sf', '--cacert', cert, '-u', `${username}:${password}`, url.toString()]);
      return (JSON.parse(r.stdout) as { token: string }).token;
    },
    stop,
  };
}
