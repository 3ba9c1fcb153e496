/**
 * Where and how a command writes its output (ARCHITECTURE §7: "long waits show progress on a
 * terminal and stay quiet when piped or with --json"):
 *
 * - `tty`:   a person is watching — live progress redrawn in place;
 * - `plain`: stdout is a pipe or a file (CI logs, `| tee`) — one plain line per real change, no
 *            escape codes;
 * - `json`:  `--json` — exactly one JSON document on stdout, nothing else; messages go to stderr.
 */
export type OutputMode = 'tty' | 'plain' | 'json';

export interface Output {
  mode: OutputMode;
  /** A line of human output (suppressed with --json, so stdout stays one parseable document). */
  line(s?: string): void;
  /** The one JSON document of a --json run. */
  json(doc: unknown): void;
  /** Notes that belong on stderr in every mode (warnings, hints). */
  note(s: string): void;
  stream: NodeJS.WriteStream;
}

export function createOutput(opts: { json?: boolean }, stream: NodeJS.WriteStream = process.stdout, err: NodeJS.WriteStream = process.stderr): Output {
  // LAKEHOUSE_FORCE_TTY lets the tests exercise the live renderer through a pipe.
  const tty = Boolean(stream.isTTY) || process.env.LAKEHOUSE_FORCE_TTY === '1';
  const mode: OutputMode = opts.json ? 'json' : tty ? 'tty' : 'plain';
  return {
    mode,
    stream,
    line: (s = '') => {
      if (mode !== 'json') stream.write(`${s}\n`);
    },
    json: (doc) => {
      stream.write(`${JSON.stringify(doc, null, 2)}\n`);
    },
    note: (s) => {
      err.write(`${s}\n`);
    },
  };
}
