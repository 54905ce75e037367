/**
 * Progress display while the snapshot agent runs, on stderr.
 *
 * On a terminal: one spinner line (`⠋ agent pod aicr-x7k2p: Running on node gpu-1 (12s)`) redrawn in
 * place; agent log lines are printed above it. Elsewhere (CI, pipes, tests): each new state is logged
 * once as an ordinary log line, and agent log lines pass through untouched.
 */
import { log } from '../logging/logger.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressOptions {
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Spinner on/off (default: when `out` is a TTY). */
  tty?: boolean;
}

export class Progress {
  private readonly out: NodeJS.WritableStream;
  private readonly tty: boolean;
  private text = '';
  private frame = 0;
  private drawn = false;
  private timer?: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(opts: ProgressOptions = {}) {
    const out = opts.out ?? process.stderr;
    this.out = out;
    this.tty = opts.tty ?? !!(out as { isTTY?: boolean }).isTTY;
  }

  /** Sets the current state; logged once per change when not on a terminal. */
  status(text: string): void {
    if (text === this.text) return;
    this.text = text;
    if (!this.tty) {
      log().info(text);
      return;
    }
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
    this.draw();
  }

  /** Prints a line (an agent log line) above the spinner. */
  line(text: string): void {
    this.clear();
    this.out.write(text.endsWith('\n') ? text : text + '\n');
    if (this.tty && this.text) this.draw();
  }

  /** Removes the spinner for good. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    if (this.tty && this.drawn) {
      this.out.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  private draw(): void {
    if (!this.tty || !this.text) return;
    const secs = Math.floor((Date.now() - this.started) / 1000);
    this.frame = (this.frame + 1) % FRAMES.length;
    this.out.write(`\r\x1b[2K${FRAMES[this.frame]} ${this.text} (${secs}s)`);
    this.drawn = true;
  }
}
