// `npm run workbench`: the README's main command. Builds and packages the extension, installs a
// local VS Code (code-server, in the git-ignored tools/ folder) with the .vsix installed as a user
// would, opens it on the sample workspace (test/e2e/workspace, whose hv-driver/ is the repository's
// own), and prints the URL. Ctrl+C stops code-server and any emulator it started.
//   npm run workbench -- [--port N] [--folder DIR] [--host ADDR]
import * as fs from 'fs';
import * as path from 'path';
import {
  codeServerBinary,
  freePort,
  installVsix,
  log,
  packageExtension,
  prepareRun,
  REPO,
  startCodeServer,
} from './codeServer';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const folder = path.resolve(option('--folder') ?? path.join(REPO, 'test/e2e/workspace'));
  if (!fs.existsSync(folder)) throw new Error(`--folder ${folder} does not exist`);
  const codeServer = codeServerBinary();
  const vsix = packageExtension();
  log(`packaged ${path.relative(REPO, vsix)} (${(fs.statSync(vsix).size / 1024).toFixed(1)} KiB)`);
  const parent = path.join(REPO, 'tools', 'workbench');
  fs.rmSync(parent, { recursive: true, force: true });
  fs.mkdirSync(parent, { recursive: true });
  const run = prepareRun(vsix, folder, parent);
  installVsix(codeServer, run, vsix);
  const port = Number(option('--port') ?? (await freePort()));
  const server = await startCodeServer(codeServer, run, port, {});
  const url = server.url;
  process.stdout.write(
    `\nUEFI Hypervisor Workbench is running:\n\n    ${url}\n\n` +
      `Open it in a browser; press F5 there to build, boot under Bochs and stop in a handler.\n` +
      `Ctrl+C here stops it. Logs: ${path.relative(REPO, run.dir)}/code-server.log\n\n`,
  );
  const stop = async (): Promise<void> => {
    log('stopping code-server');
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await new Promise<void>((r) => server.child.once('exit', () => r()));
  log('code-server exited');
}

main().catch((e: Error) => {
  console.error(`workbench: ${e.message}`);
  process.exit(1);
});
