/**
 * podman and buildah as the tests run them: as root without systemd or a
 * container runtime, each instance with its own vfs storage, run root, home,
 * temporary folder and auth file under one base folder, so tests never share
 * (or leave behind) machine-wide state.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ok, type RunResult, removeDir, run } from './images.ts';

type Tool = 'podman' | 'buildah';

export class ContainerTool {
  private constructor(
    readonly tool: Tool,
    readonly base: string,
  ) {}

  static async create(tool: Tool, base: string): Promise<ContainerTool> {
    await mkdir(join(base, 'home'), { recursive: true });
    await mkdir(join(base, 'tmp'), { recursive: true });
    await writeFile(join(base, 'home', 'auth.json'), '{"auths":{}}');
    return new ContainerTool(tool, base);
  }

  run(args: string[]): Promise<RunResult> {
    const global = ['--root', join(this.base, 'root'), '--runroot', join(this.base, 'runroot')];
    global.push('--storage-driver', 'vfs');
    if (this.tool === 'podman') {
      global.push('--cgroup-manager', 'cgroupfs', '--events-backend', 'file');
      // libpod's own state (default /run/libpod) stays in this podman's folder too.
      global.push('--tmpdir', join(this.base, 'libpod-tmp'));
    }
    return run(this.tool, [...global, ...args], {
      env: {
        ...process.env,
        HOME: join(this.base, 'home'),
        TMPDIR: join(this.base, 'tmp'),
        REGISTRY_AUTH_FILE: join(this.base, 'home', 'auth.json'),
        ...(this.tool === 'podman' ? { XDG_RUNTIME_DIR: join(this.base, 'runroot-xdg') } : {}),
      },
      timeoutMs: 240_000,
    });
  }

  async ok(args: string[]): Promise<RunResult> {
    return ok(await this.run(args), `${this.tool} ${args.join(' ')}`);
  }

  /**
   * Removes this instance's containers, images and folder. (Not `podman system
   * reset`: it also removes machine-wide state such as networks and /run/libpod.)
   */
  async destroy(): Promise<void> {
    if (this.tool === 'buildah') await this.run(['rm', '--all']);
    await this.run(['rmi', '--all', '--force']);
    await removeDir(this.base);
  }
}
