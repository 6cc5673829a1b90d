// The `serve` command alone, as the entry of the CommonJS bundle of build.mjs (argv: node loader serve …).
import { serveCommand } from '../../../dist/cli/serve.js';

serveCommand().parseAsync(process.argv.slice(3), { from: 'user' });
