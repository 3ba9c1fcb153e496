#!/usr/bin/env node
'use strict';
// The `lakehouse` CLI runs its TypeScript sources directly through tsx, so a checkout needs no build
// step (`npx lakehouse …` right after `npm ci`).
require('tsx/cjs');
require('../client/main.ts');
