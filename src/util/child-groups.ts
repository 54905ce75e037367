/**
 * Live child process groups of src/util/child.ts and the SIGINT/SIGTERM/exit handling around them.
 * Kept apart from child.ts so that the CLI's entry point can dispose of children without loading
 * node:child_process at start-up.
 */
import { SIGNAL_EXIT_CODES } from '../errors/index.js';
import { writeStderr } from './stdio.js';

type HandledSignal = 'SIGINT' | 'SIGTERM';

/** Live process groups: pgid → dispose (kill the group, destroy the pipes). */
export const live = new Map<number, () => void>();
/** Reasons the interrupt handler is installed: live children and explicit holders (`holdInterrupts`). */
let holders = 0;
let installed = false;

/** Kills every live child process group (SIGKILL); returns how many there were. */
export function disposeAllChildren(): number {
  const all = [...live.values()];
  live.clear();
  for (const d of all) d();
  updateHandlers();
  return all.length;
}

function onSignal(sig: HandledSignal): void {
  // Counted before the groups are disposed (disposing can remove this very handler), and without this
  // handler when another listener of the same signal has removed it already in this emit.
  const othersHandle = process.listenerCount(sig) - (installed ? 1 : 0) > 0;
  const n = [...live.values()];
  live.clear();
  for (const d of n) d();
  // Another handler (e.g. the agent's clean-up, `snapshot --watch`) owns the shutdown: leave the rest to it.
  if (othersHandle) return;
  writeStderr(
    `[cli] interrupted by ${sig}${n.length ? `: stopped ${n.length} child process group${n.length === 1 ? '' : 's'}` : ''}\n`,
  );
  process.exit(SIGNAL_EXIT_CODES[sig]);
}

const onInt = () => onSignal('SIGINT');
const onTerm = () => onSignal('SIGTERM');
const onExit = () => {
  for (const d of live.values()) d();
  live.clear();
};

export function updateHandlers(): void {
  const want = holders > 0 || live.size > 0;
  if (want && !installed) {
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('exit', onExit);
    installed = true;
  } else if (!want && installed) {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
    process.removeListener('exit', onExit);
    installed = false;
  }
}

/**
 * Keeps the SIGINT/SIGTERM handler installed until the returned release function is called, so that
 * an interrupt during a phase without live children also exits 130/143 (used by `aicr snapshot`).
 */
export function holdInterrupts(): () => void {
  holders++;
  updateHandlers();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders--;
    updateHandlers();
  };
}
