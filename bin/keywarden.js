#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const cli = path.join(__dirname, '..', 'dist', 'client', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error(
    'keywarden: the project is not built yet: run "npm run build" (or "npm test" / "npm run demo", which build it)',
  );
  process.exit(1);
}
require(cli)
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
