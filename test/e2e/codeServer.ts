// A local VS Code (code-server from tools/) with the packaged extension, opened on a copy of the
// sample workspace. Shared by the end-to-end tests (test/e2e/run.ts) and `npm run workbench`.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '../../..');
export const CODE_SERVER_VERSION = '4.99.3';
export const EXTENSION_ID = 'uefi-hv.uefi-hv-workbench';

export interface RunFolders {
  dir: string;
  workspace: string;
  extension: string; // the unpacked .vsix (its extension/ folder)
  userData: string;
  extensions: string;
}

export function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

// code-server in tools/ (installed once by install-code-server.sh; a cached tools/ makes it instant).
export function codeServerBinary(): string {
  const out = execFileSync('bash', [path.join(REPO, 'test/e2e/install-code-server.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out.toString().trim().split('\n').pop()!;
}

// bundle + vsce package: what users install.
export function packageExtension(): string {
  execFileSync('npm', ['run', '-s', 'package'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  const vsix = path.join(REPO, 'dist', 'uefi-hv-workbench.vsix');
  if (!fs.existsSync(vsix)) throw new Error(`vsce did not produce ${vsix}`);
  return vsix;
}

function copyDir(from: string, to: string, skip: (name: string) => boolean): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (skip(e.name)) continue;
    const s = path.join(from, e.name);
    const d = path.join(to, e.name);
    if (e.isDirectory()) copyDir(s, d, skip);
    else fs.copyFileSync(s, d);
  }
}

// A run folder with: the workspace (test/e2e/workspace + a copy of hv-driver/ without build/, so
// tests may break files), the unpacked .vsix, and VS Code's user data with quiet settings.
export function prepareRun(vsix: string, workspaceFrom?: string, parent = os.tmpdir()): RunFolders {
  const dir = fs.mkdtempSync(path.join(parent, 'uefi-hv-e2e-'));
  const workspace = workspaceFrom ?? path.join(dir, 'workspace');
  if (!workspaceFrom) {
    // The template's hv-driver is a link to the repository's (for the workbench); tests get a copy.
    copyDir(path.join(REPO, 'test/e2e/workspace'), workspace, (n) => n === 'hv-driver');
    copyDir(path.join(REPO, 'hv-driver'), path.join(workspace, 'hv-driver'), (n) => n === 'build');
    // The driver's Makefile also builds the in-guest test application from ../test/guest.
    copyDir(path.join(REPO, 'test/guest'), path.join(workspace, 'test/guest'), () => false);
  }
  const unpacked = path.join(dir, 'vsix');
  execFileSync('unzip', ['-q', vsix, 'extension/*', '-d', unpacked]);
  const userData = path.join(dir, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'security.workspace.trust.enabled': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'update.mode': 'none',
        'window.commandCenter': false,
        // Emulators listen on ports (Bochs's VNC display, serial sockets): no forwarding pop-ups.
        'remote.autoForwardPorts': false,
      },
      null,
      2,
    ),
  );
  const extensions = path.join(dir, 'extensions');
  fs.mkdirSync(extensions, { recursive: true });
  for (const x of ['config', 'data', 'cache', 'tmp'])
    fs.mkdirSync(path.join(dir, 'xdg', x), { recursive: true });
  return { dir, workspace, extension: path.join(unpacked, 'extension'), userData, extensions };
}

export function installVsix(codeServer: string, run: RunFolders, vsix: string): void {
  execFileSync(
    codeServer,
    ['--install-extension', vsix, '--extensions-dir', run.extensions, '--user-data-dir', run.userData],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: codeServerEnv(run),
    },
  );
}

export function codeServerEnv(run: RunFolders, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(run.dir, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(run.dir, 'xdg', 'data'),
    XDG_CACHE_HOME: path.join(run.dir, 'xdg', 'cache'),
    TMPDIR: path.join(run.dir, 'xdg', 'tmp'),
    ...extra,
  };
}

export interface CodeServer {
  child: ChildProcess;
  port: number;
  url: string;
  stop(): Promise<void>;
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

export async function startCodeServer(
  codeServer: string,
  run: RunFolders,
  port: number,
  env: NodeJS.ProcessEnv,
  startTimeoutMs = 60000,
): Promise<CodeServer> {
  const out = fs.openSync(path.join(run.dir, 'code-server.log'), 'w');
  const child = spawn(
    codeServer,
    [
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--user-data-dir',
      run.userData,
      '--extensions-dir',
      run.extensions,
      run.workspace,
    ],
    { env: codeServerEnv(run, env), stdio: ['ignore', out, out], detached: true },
  );
  fs.closeSync(out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Its own process group: code-server, its extension hosts, pty host and whatever they started.
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const t = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 5000);
    await exited;
    clearTimeout(t);
  };
  const deadline = Date.now() + startTimeoutMs;
  while (!(await healthy(port))) {
    if (child.exitCode !== null)
      throw new Error(`code-server exited at start; see ${run.dir}/code-server.log`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz within ${startTimeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, port, url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(run.workspace)}`, stop };
}
