/** `berth export` and `berth import`: offline bundles (OCI image layout archives) for edge sites. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { exportBundle } from '../features/bundles/export.ts';
import { type ImportReport, importBundle } from '../features/bundles/import.ts';
import { openRegistry } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';

function progressBar(label: string): { update(done: number, total: number, current: string): void; stop(): void } {
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {mib}/{totalMib} MiB | {current}`,
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  const mib = (n: number) => (n / 1048576).toFixed(1);
  return {
    update(done, total, current) {
      if (!started) {
        bar.start(Math.max(total, 1), 0, { mib: '0.0', totalMib: mib(total), current: '' });
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done, { mib: mib(done), totalMib: mib(total), current: current.slice(0, 19) });
    },
    stop: () => started && bar.stop(),
  };
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write images to an OCI image layout archive (also while Berth runs)')
    .argument('[refs...]', 'repository:tag, repository@digest, or repository (every tag)')
    .option('--project <name>', 'every repository of this project')
    .option('--all', 'every tag of every repository')
    .requiredOption('--output <file>', 'the archive to write (bundle.tar)')
    .option('--since <bundle>', 'leave out blobs already in this previous bundle or its index.json (incremental)')
    .option('--data <dir>', 'data folder (BERTH_DATA, default ./data)')
    .option('--config <file>', 'configuration file (BERTH_CONFIG)')
    .action(async (refs: string[], flags) => {
      const config = loadConfig({ file: flags.config, overrides: { data_dir: flags.data } });
      const registry = await openRegistry(config);
      const bar = progressBar('export');
      try {
        const report = await exportBundle(registry, {
          refs,
          project: flags.project,
          all: Boolean(flags.all),
          output: flags.output,
          since: flags.since,
          progress: bar.update,
        });
        bar.stop();
        const mib = (report.bytes / 1048576).toFixed(1);
        const skipped = report.skipped ? `, ${report.skipped} left out (in ${flags.since})` : '';
        console.log(
          `exported ${report.images} images: ${report.blobs} blobs (${mib} MiB)${skipped} to ${flags.output}`,
        );
      } finally {
        bar.stop();
        await registry.metadata.close();
      }
    });
}

export function importCommand(): Command {
  return new Command('import')
    .description("load an OCI image layout archive into a stopped Berth's data folder, or a running one (--url)")
    .argument('<bundle>', 'the archive (from berth export or skopeo copy … oci-archive:)')
    .option('--project <name>', 'put every repository under this project')
    .option('--repository <name>', 'repository for images named by a bare tag')
    .option(
      '--url <address>',
      'a running Berth (e.g. http://127.0.0.1:5000): upload through its API as BERTH_USERNAME / BERTH_PASSWORD (an administrator)',
    )
    .option('--data <dir>', 'data folder (BERTH_DATA, default ./data)')
    .option('--config <file>', 'configuration file (BERTH_CONFIG)')
    .action(async (bundle: string, flags) => {
      const bar = progressBar(flags.url ? 'upload' : 'import');
      try {
        const report = flags.url
          ? await importThroughApi(flags.url, bundle, flags, bar.update)
          : await importIntoFolder(bundle, flags, bar.update);
        bar.stop();
        for (const image of report.images)
          console.log(
            `${image.repository}${image.reference.includes(':') ? '@' : ':'}${image.reference} ${image.digest}`,
          );
        const mib = (report.bytesWritten / 1048576).toFixed(1);
        console.log(
          `imported ${report.images.length} images: ${report.blobsWritten} blobs written (${mib} MiB), ${report.blobsPresent} already present`,
        );
      } finally {
        bar.stop();
      }
    });
}

type Progress = (done: number, total: number, current: string) => void;
interface ImportFlags {
  project?: string;
  repository?: string;
  data?: string;
  config?: string;
}

async function importIntoFolder(bundle: string, flags: ImportFlags, progress: Progress): Promise<ImportReport> {
  const config = loadConfig({ file: flags.config, overrides: { data_dir: flags.data } });
  const registry = await openRegistry(config);
  try {
    return await importBundle(registry, bundle, { project: flags.project, repository: flags.repository, progress });
  } finally {
    await registry.metadata.close();
  }
}

/** Streams the archive to POST /api/v2.0/bundles/import; the bar shows the bytes sent. */
async function importThroughApi(
  url: string,
  bundle: string,
  flags: ImportFlags,
  progress: Progress,
): Promise<ImportReport> {
  const total = (await stat(bundle)).size;
  let sent = 0;
  const body = Readable.toWeb(
    createReadStream(bundle).on('data', (chunk) => {
      sent += chunk.length;
      progress(sent, total, sent === total ? 'importing…' : '');
    }),
  ) as ReadableStream<Uint8Array>;
  const query = new URLSearchParams();
  if (flags.project) query.set('project', flags.project);
  if (flags.repository) query.set('repository', flags.repository);
  const headers: Record<string, string> = { 'content-type': 'application/x-tar', 'content-length': String(total) };
  const { BERTH_USERNAME: user, BERTH_PASSWORD: password } = process.env;
  if (user) headers.authorization = `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`;
  const target = new URL(`/api/v2.0/bundles/import${query.size ? `?${query}` : ''}`, url);
  const response = await fetch(target, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);
  const text = await response.text();
  if (response.status !== 201) {
    let message = text;
    try {
      message = (JSON.parse(text) as { errors?: { message: string }[] }).errors?.[0]?.message ?? text;
    } catch {
      // not JSON: print the body as it came
    }
    throw new Error(`${target.origin} refused the import (${response.status}): ${message}`);
  }
  const r = JSON.parse(text) as {
    images: ImportReport['images'];
    blobs_written: number;
    blobs_present: number;
    bytes_written: number;
  };
  return {
    images: r.images,
    blobsWritten: r.blobs_written,
    blobsPresent: r.blobs_present,
    bytesWritten: r.bytes_written,
  };
}
