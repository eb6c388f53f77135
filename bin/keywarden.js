#!/usr/bin/env node
'use strict';
require('../dist/client/cli.js');
