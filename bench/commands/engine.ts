/** `cachebench engine start|stop|status`: the embedded engine and registry. */
import { UsageError } from '../../src/errors.ts';
import { embeddedStatus, startEmbedded, stopEmbedded } from '../../src/engine/embedded.ts';
import { readProvisioned } from '../../src/engine/provision.ts';
import { fmtMs } from '../../src/progress.ts';
import { logErr, out, simpleFlags } from './io.ts';

export async function cmdEngine(argv: string[]): Promise<number> {
  const usage = 'Usage: cachebench engine start|stop|status';
  const { values, positionals } = simpleFlags(argv, usage);
  if (values.help) return out(usage), 0;
  const sub = positionals[0];
  if (sub === 'start') {
    const t = performance.now();
    const r = await startEmbedded(logErr);
    const st = await embeddedStatus();
    out(`embedded engine ${r.alreadyRunning ? 'already running' : 'started'} (${fmtMs(performance.now() - t)}; start ${fmtMs(r.startMs)}); registry ${st.registryAddress}`);
    return 0;
  }
  if (sub === 'stop') {
    const r = await stopEmbedded();
    out(r.wasRunning ? `embedded engine stopped (${fmtMs(r.stopMs)})` : 'embedded engine was not running');
    return 0;
  }
  if (sub === 'status') {
    const st = await embeddedStatus();
    out(`embedded engine: ${st.ready ? 'running' : 'stopped'} (dockerd ${st.dockerd ?? '-'}, registry ${st.registry ?? '-'} on ${st.registryAddress}); provisioned: ${readProvisioned() ? 'yes' : 'no'}`);
    return st.ready ? 0 : 1;
  }
  throw new UsageError(`cachebench engine: unknown subcommand "${sub ?? ''}"`, usage);
}
