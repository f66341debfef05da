/**
 * The run's registry as a remote one would be: the distribution registry runs as a test
 * host inside network namespaces of the run's own, behind a link shaped to the network
 * profile (bandwidth by tbf, round-trip time by a delaying relay), and the engine talks to
 * it on 127.0.0.1:<port>. It serves the same storage as the local registry, so base
 * images and seeds need no copying. The loopback profile uses the local registry as is.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLink, isShaped, type Link, type LinkMeasurement, type LinkProfile } from './link.ts';
import { layout, registryConfigYaml } from '../engine/embedded.ts';
import { readProvisioned } from '../engine/provision.ts';
import { cacheHome } from '../paths.ts';
import { CachebenchError } from '../errors.ts';

export interface RegistryLink {
  /** host:port the run's refs use. */
  address: string;
  profile: LinkProfile;
  measured?: LinkMeasurement;
  destroy(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const SERVER_PORT = 5000;

export async function openRegistryLink(profile: LinkProfile, localRegistry: string, id: string, log: (s: string) => void = () => {}): Promise<RegistryLink> {
  if (!isShaped(profile)) return { address: localRegistry, profile, destroy: async () => {} };
  const bin = readProvisioned()?.binDir;
  if (!bin) throw new CachebenchError('the registry binary is not provisioned', { hint: 'run `cachebench engine start` (or npm run setup)' });
  const listenPort = await freePort();
  const link: Link = await createLink({ id, profile, serverPort: SERVER_PORT, listenPort });
  try {
    const dir = path.join(cacheHome(), 'links', id);
    mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'registry.yml');
    writeFileSync(config, registryConfigYaml(`${link.serverAddress}:${SERVER_PORT}`, layout().registryStorage));
    link.spawnInServer(path.join(bin, 'docker-registry'), ['serve', config], { logFile: path.join(dir, 'registry.log') });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const r = await fetch(`http://${link.listenAddress}/v2/`, { signal: AbortSignal.timeout(3000) });
        if (r.status === 200) break;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new CachebenchError(`the shaped registry on ${link.listenAddress} did not answer in 30 s`, { hint: `see ${path.join(dir, 'registry.log')}` });
      await sleep(200);
    }
    const measured = await link.measure();
    log(`network profile ${profile.name}: registry at ${link.listenAddress} through a link of ${profile.rateMbit} Mbit/s, ${profile.rttMs} ms RTT (measured ${measured.throughputMbit.toFixed(0)} Mbit/s, ${measured.rttMs.toFixed(1)} ms)`);
    return {
      address: link.listenAddress,
      profile,
      measured,
      destroy: async () => {
        await link.destroy();
      },
    };
  } catch (err) {
    await link.destroy();
    throw err;
  }
}
