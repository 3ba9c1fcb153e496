#!/usr/bin/env node
'use strict';
// The browser checks (Temporal UI, dashboards) drive Debian's Chromium through playwright-core; no
// browser is downloaded by a test tool. Install it from the distribution when we can (root + apt),
// otherwise say how — the browser tests then fail with a message naming the missing executable.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && existsSync('/usr/bin/apt-get')) {
  process.stderr.write('installing Debian chromium for the browser tests (apt-get)…\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
} else {
  process.stderr.write(`${CHROMIUM} not found: install Chromium (Debian: sudo apt-get install chromium) or set CHROMIUM_PATH; the browser tests need it.\n`);
}
