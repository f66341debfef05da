/**
 * Progress for long runs: which build of how many, the cell, the repetition, the
 * current phase, elapsed time and an estimate of what is left. A live line on a
 * terminal; plain lines otherwise (CI logs).
 */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 59.95) return `${s.toFixed(1)} s`;
  // Whole seconds first, so 2699.6 s is 45m00s, not 44m60s.
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

export class Progress {
  private done = 0;
  private spent = 0;
  private current = '';
  private phase = '';
  private startedAt = performance.now();
  private buildStart = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly sink: ProgressSink;
  total: number;

  constructor(total: number, sink: ProgressSink = { write: (t) => process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY) }) {
    this.total = total;
    this.sink = sink;
  }

  /** Plain message (always its own line). */
  log(msg: string): void {
    this.clearLine();
    this.sink.write(msg + '\n');
    this.render();
  }

  begin(label: string): void {
    this.current = label;
    this.phase = 'starting';
    this.buildStart = performance.now();
    if (this.sink.isTTY) {
      this.timer ??= setInterval(() => this.render(), 1000);
      this.timer.unref();
      this.render();
    } else {
      this.sink.write(`[${this.done + 1}/${this.total}] ${label} …\n`);
    }
  }

  setPhase(phase: string): void {
    if (phase === this.phase) return;
    this.phase = phase;
    this.render();
  }

  end(summary: string, countsTowardsEta = true): void {
    const took = performance.now() - this.buildStart;
    this.done++;
    if (countsTowardsEta) this.spent += took;
    this.clearLine();
    this.sink.write(`[${this.done}/${this.total}] ${this.current}: ${summary} (${fmtMs(took)}; ${this.eta()})\n`);
    this.current = '';
  }

  /** Already measured (resume): counts as done without time. */
  skip(): void {
    this.done++;
    this.total = Math.max(this.total, this.done);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clearLine();
  }

  private eta(): string {
    const measured = this.done;
    const left = this.total - this.done;
    const elapsed = performance.now() - this.startedAt;
    if (measured === 0 || this.spent === 0) return `elapsed ${fmtMs(elapsed)}`;
    return `elapsed ${fmtMs(elapsed)}, about ${fmtMs((this.spent / measured) * left)} left`;
  }

  private clearLine(): void {
    if (this.sink.isTTY) this.sink.write('\r\x1b[2K');
  }

  private render(): void {
    if (!this.sink.isTTY || !this.current) return;
    const took = performance.now() - this.buildStart;
    this.clearLine();
    this.sink.write(`[${this.done + 1}/${this.total}] ${this.current} · ${this.phase} · ${fmtMs(took)} · ${this.eta()}`);
  }
}
