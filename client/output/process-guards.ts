/**
 * Process-wide behaviour every CLI command relies on, installed once when the commands register:
 * a closed pipe (`lakehouse runs | head`, `--help | less` quit early) ends the process quietly,
 * as with other Unix tools, instead of crashing on EPIPE.
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
}
