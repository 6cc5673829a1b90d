// `node --require ./builtins-trace.cjs …` with BERTH_BUILTINS_TRACE=FILE: when the first HTTP server starts to
// listen, the Node built-ins loaded so far are written to FILE, one a line: what a start loaded before it could
// answer (test/startup-lazy.test.ts checks that the TLS and HTTP/2 modules are not among them).
const http = require('node:http');
const { writeFileSync } = require('node:fs');

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  http.Server.prototype.listen = listen;
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
  writeFileSync(process.env.BERTH_BUILTINS_TRACE, `${builtins.join('\n')}\n`);
  return listen.apply(this, args);
};
