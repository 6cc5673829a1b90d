// The floor of any Node server's start on this machine: node:http bound and answering every request with `{}`,
// started as startup-ab.mjs starts a build (`ENTRY serve --host H --port P --data D`), so it can be one side:
//   IDLE=1 node bench/probes/startup-ab.mjs bench/probes/bare-listen.mjs dist/bundle/main.js 6
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  args: process.argv.slice(3),
  options: { host: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' } },
});
createServer((_req, res) => {
  res.setHeader('docker-distribution-api-version', 'registry/2.0');
  res.end('{}');
}).listen(Number(values.port), values.host);
