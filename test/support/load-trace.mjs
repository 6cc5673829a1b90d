// `node --import ./load-trace.mjs …` with BERTH_LOAD_TRACE=FILE: every module URL the process loads is
// appended to FILE, one a line (test/startup-lazy.test.ts checks which bundle chunks a start loads).
import { register } from 'node:module';

register('./load-trace-hooks.mjs', import.meta.url, { data: { file: process.env.BERTH_LOAD_TRACE } });
