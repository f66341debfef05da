/**
 * The CA trust the local images carry, taken from the host.
 *
 * Corporate TLS proxy option: CACHEBENCH_CA_BUNDLE (default
 * /etc/ssl/certs/ca-certificates.crt) names the PEM bundle the images trust, replacing
 * the image's own /etc/ssl/certs/ca-certificates.crt; the host's
 * /usr/local/share/ca-certificates/*.crt are copied along. A host that reaches package
 * registries through a TLS-intercepting proxy trusts the proxy's CA this way, and so do
 * `dotnet restore` and anything else that runs inside builds on these images. Its hash is
 * part of the images' inputs (caFingerprint).
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { CachebenchError } from '../errors.ts';

export const DEFAULT_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const LOCAL_CA_DIR = '/usr/local/share/ca-certificates';
const HOST_CERTS = '/etc/ssl/certs';

/** The CA bundle to bake in: CACHEBENCH_CA_BUNDLE, else the system bundle if there is one. */
function caBundlePath(): string | undefined {
  const set = process.env.CACHEBENCH_CA_BUNDLE;
  if (set !== undefined && set !== '') {
    if (!existsSync(set)) {
      throw new CachebenchError(`CACHEBENCH_CA_BUNDLE=${set} does not exist`, {
        exitCode: 2,
        hint: 'point it at a PEM bundle of the CAs builds must trust (e.g. your corporate TLS proxy\'s), or unset it',
      });
    }
    return set;
  }
  return existsSync(DEFAULT_CA_BUNDLE) ? DEFAULT_CA_BUNDLE : undefined;
}

function localCaFiles(): string[] {
  if (!existsSync(LOCAL_CA_DIR)) return [];
  return readdirSync(LOCAL_CA_DIR)
    .filter((f) => f.endsWith('.crt'))
    .sort();
}

/** Hash of the CA bundle and the local CA files: what the images' trust depends on. */
export function caFingerprint(): string {
  const h = createHash('sha256');
  const bundle = caBundlePath();
  h.update(bundle ? readFileSync(bundle) : 'none');
  for (const f of localCaFiles()) h.update(`\0${f}\0`).update(readFileSync(path.join(LOCAL_CA_DIR, f)));
  return h.digest('hex').slice(0, 16);
}

/**
 * Copies the CA trust into a layer's staging tree, whose etc/ssl/certs and
 * usr/local/share/ca-certificates exist: the bundle, the local CA files, and their
 * /etc/ssl/certs links as on the host.
 */
export function stageCaTrust(stage: string): void {
  const bundle = caBundlePath();
  if (bundle) {
    copyFileSync(bundle, path.join(stage, 'etc/ssl/certs/ca-certificates.crt'));
    chmodSync(path.join(stage, 'etc/ssl/certs/ca-certificates.crt'), 0o644);
  }
  const hostLinks = existsSync(HOST_CERTS) ? readdirSync(HOST_CERTS) : [];
  for (const f of localCaFiles()) {
    copyFileSync(path.join(LOCAL_CA_DIR, f), path.join(stage, 'usr/local/share/ca-certificates', f));
    chmodSync(path.join(stage, 'usr/local/share/ca-certificates', f), 0o644);
    const pem = f.replace(/\.crt$/, '.pem');
    if (!hostLinks.includes(pem)) continue;
    symlinkSync(path.join(LOCAL_CA_DIR, f), path.join(stage, 'etc/ssl/certs', pem));
    // OpenSSL's hash links (<hash>.N → name.pem) that update-ca-certificates made on the host.
    for (const h of hostLinks) {
      if (!/^[0-9a-f]{8}\.\d+$/.test(h)) continue;
      const p = path.join(HOST_CERTS, h);
      if (lstatSync(p).isSymbolicLink() && readlinkSync(p) === pem) symlinkSync(pem, path.join(stage, 'etc/ssl/certs', h));
    }
  }
}
