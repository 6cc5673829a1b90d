#!/usr/bin/env node
/** The `berth` command. */
import { Command } from 'commander';
import { BERTH_VERSION } from '../core/version.ts';

const program = new Command('berth').description('Berth container registry').version(BERTH_VERSION);
// `berth serve` loads only the server: the other commands' modules (progress
// bars, readline, YAML, bundles…) cost start-up time a server never uses
// (bench/FINDINGS.md, "Start-up, third round").
if (process.argv[2] === 'serve') {
  const { serveCommand } = await import('./serve.ts');
  program.addCommand(serveCommand());
} else {
  for (const c of await allCommands()) program.addCommand(c);
}
program.parseAsync(process.argv).catch((err) => {
  console.error(`berth: ${reason(err)}`);
  process.exit(1);
});

/** An error's message with its causes' ("migration failed: connect ECONNREFUSED 127.0.0.1:5432"). */
function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause ? `${err.message}: ${reason(err.cause)}` : err.message;
}

async function allCommands(): Promise<Command[]> {
  const [
    bundles,
    config,
    fsck,
    gc,
    kube,
    project,
    registry,
    replication,
    retention,
    robot,
    scan,
    serve,
    signing,
    tag,
    user,
    vulndb,
  ] = await Promise.all([
    import('./bundles.ts'),
    import('./config.ts'),
    import('./fsck.ts'),
    import('./gc.ts'),
    import('./kube.ts'),
    import('./project.ts'),
    import('./registry.ts'),
    import('./replication.ts'),
    import('./retention.ts'),
    import('./robot.ts'),
    import('./scan.ts'),
    import('./serve.ts'),
    import('./signing.ts'),
    import('./tag.ts'),
    import('./user.ts'),
    import('./vulndb.ts'),
  ]);
  return [
    serve.serveCommand(),
    fsck.fsckCommand(),
    kube.kubeCommand(),
    user.userCommand(),
    project.projectCommand(),
    robot.robotCommand(),
    vulndb.vulndbCommand(),
    scan.scanCommand(),
    ...signing.signingCommands(),
    bundles.exportCommand(),
    bundles.importCommand(),
    config.configCommand(),
    gc.gcCommand(),
    tag.tagCommand(),
    retention.retentionCommand(),
    registry.registryCommand(),
    replication.replicationCommand(),
  ];
}
