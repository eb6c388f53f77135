#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');

// The pinned AWS SDK works on Node.js 20; its notice about future releases needing Node.js 22 is
// in the README, not on every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
