#!/usr/bin/env node
/** The `berth` command. */
import { Command } from 'commander';
import { fsckCommand } from './fsck.ts';
import { kubeCommand } from './kube.ts';
import { projectCommand } from './project.ts';
import { robotCommand } from './robot.ts';
import { scanCommand } from './scan.ts';
import { serveCommand } from './serve.ts';
import { signingCommands } from './signing.ts';
import { userCommand } from './user.ts';
import { vulndbCommand } from './vulndb.ts';

const program = new Command('berth').description('Berth container registry').version('0.1.0');
program.addCommand(serveCommand());
program.addCommand(fsckCommand());
program.addCommand(kubeCommand());
program.addCommand(userCommand());
program.addCommand(projectCommand());
program.addCommand(robotCommand());
program.addCommand(vulndbCommand());
program.addCommand(scanCommand());
for (const c of signingCommands()) program.addCommand(c);
program.parseAsync(process.argv).catch((err) => {
  console.error(`berth: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
