#!/usr/bin/env node
/** The `berth` command. */
import { Command } from 'commander';
import { BERTH_VERSION } from '../core/version.ts';
import { exportCommand, importCommand } from './bundles.ts';
import { configCommand } from './config.ts';
import { fsckCommand } from './fsck.ts';
import { gcCommand } from './gc.ts';
import { kubeCommand } from './kube.ts';
import { projectCommand } from './project.ts';
import { registryCommand } from './registry.ts';
import { replicationCommand } from './replication.ts';
import { retentionCommand } from './retention.ts';
import { robotCommand } from './robot.ts';
import { scanCommand } from './scan.ts';
import { serveCommand } from './serve.ts';
import { signingCommands } from './signing.ts';
import { tagCommand } from './tag.ts';
import { userCommand } from './user.ts';
import { vulndbCommand } from './vulndb.ts';

const program = new Command('berth').description('Berth container registry').version(BERTH_VERSION);
program.addCommand(serveCommand());
program.addCommand(fsckCommand());
program.addCommand(kubeCommand());
program.addCommand(userCommand());
program.addCommand(projectCommand());
program.addCommand(robotCommand());
program.addCommand(vulndbCommand());
program.addCommand(scanCommand());
for (const c of signingCommands()) program.addCommand(c);
program.addCommand(exportCommand());
program.addCommand(importCommand());
program.addCommand(configCommand());
program.addCommand(gcCommand());
program.addCommand(tagCommand());
program.addCommand(retentionCommand());
program.addCommand(registryCommand());
program.addCommand(replicationCommand());
program.parseAsync(process.argv).catch((err) => {
  console.error(`berth: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
