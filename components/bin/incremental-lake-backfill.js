#!/usr/bin/env node
// The deploy-time unload program (warehouse/backfill/main.ts), compiled: it runs with plain node,
// from whatever project declared the lake. The unload command starts it through this bin
// (BACKFILL_COMMAND in warehouse/table-export.ts), so no path of one machine is stored in state.
"use strict";
require("../dist/warehouse/backfill/main.js").runAsProgram();
