// End-to-end runner: packages the extension, starts code-server with it, opens the sample workspace
// in Debian's Chromium (playwright-core), runs the extension-host tests (test/e2e/suite) through the
// page URL's extensionTestsPath, takes the screenshots the tests ask for, and exits with their status.
// Screenshots and figures: test-results/e2e/. Nothing is left running.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import { chromium } from 'playwright-core';
import {
  codeServerBinary,
  freePort,
  log,
  packageExtension,
  prepareRun,
  REPO,
  startCodeServer,
} from './codeServer';

const RESULTS = path.join(process.env.HV_RESULTS_DIR ?? path.join(REPO, 'test-results'), 'e2e');
const TEST_TIMEOUT_MS = Number(process.env.UEFI_HV_E2E_TIMEOUT_MS ?? 12 * 60 * 1000);
const CHROMIUM = process.env.UEFI_HV_CHROMIUM ?? '/usr/bin/chromium';

// Emulators the extension started live in run folders under the code-server TMPDIR (inside the run
// folder). Any still running at the end is a defect: kill it and say so.
function sweepEmulators(runDir: string): number[] {
  const found: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cwd = '';
    try {
      cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue;
    }
    const comm = fs.existsSync(`/proc/${pid}/comm`)
      ? fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
      : '';
    if (cwd.startsWith(runDir) && /^(bochs|qemu-system)/.test(comm)) {
      found.push(Number(pid));
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  return found;
}

async function main(): Promise<number> {
  if (!fs.existsSync(CHROMIUM)) {
    console.error(`e2e: ${CHROMIUM} missing: sudo apt-get install chromium`);
    return 2;
  }
  fs.rmSync(RESULTS, { recursive: true, force: true });
  fs.mkdirSync(RESULTS, { recursive: true });
  const t0 = Date.now();
  const codeServer = codeServerBinary();
  log(`code-server: ${codeServer}`);
  const vsix = packageExtension();
  log(`packaged ${vsix} (${(fs.statSync(vsix).size / 1024).toFixed(1)} KiB)`);
  const run = prepareRun(vsix);
  const shots = path.join(run.dir, 'shots');
  fs.mkdirSync(shots);
  const port = await freePort();
  const server = await startCodeServer(codeServer, run, port, {
    UEFI_HV_E2E_SHOTS: shots,
    UEFI_HV_E2E_RESULTS: RESULTS,
  });
  log(`code-server on ${server.url} (pid ${server.child.pid}), run folder ${run.dir}`);

  const remote = (p: string): string => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(run.extension)],
    ['extensionTestsPath', remote(path.join(REPO, 'out/test/e2e/suite/index.js'))],
  ];
  const url = `${server.url}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const profileDir = path.join(run.dir, 'chromium');
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  let code = 1;
  let n = 0;
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (c: number) => resolve(c));
    });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const text = util.format(...args); // mocha's reporter logs printf-style
      process.stdout.write(`${type === 'error' ? '[err] ' : ''}${text}\n`);
    });
    // Screenshot requests from the tests (see suite/shots.ts).
    const poll = setInterval(() => {
      for (const f of fs.readdirSync(shots).filter((x) => x.endsWith('.request'))) {
        const name = f.slice(0, -'.request'.length);
        fs.rmSync(path.join(shots, f));
        const file = path.join(RESULTS, `${name}.png`);
        void page
          .screenshot({ path: file })
          .then(() => log(`screenshot ${path.relative(REPO, file)}`))
          .catch((e: Error) => log(`screenshot ${name} failed: ${e.message}`))
          .finally(() => fs.writeFileSync(path.join(shots, `${name}.done`), ''));
        n++;
      }
    }, 100);
    const t1 = Date.now();
    await page.goto(url);
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    log(`workbench up in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    const timeout = new Promise<number>((resolve) =>
      setTimeout(() => {
        log(`tests did not finish within ${TEST_TIMEOUT_MS} ms`);
        resolve(124);
      }, TEST_TIMEOUT_MS).unref(),
    );
    code = await Promise.race([exit, timeout]);
    clearInterval(poll);
    await page.screenshot({ path: path.join(RESULTS, '99-final.png') }).catch(() => undefined);
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
    const leftovers = sweepEmulators(run.dir);
    if (leftovers.length) {
      log(`e2e: emulators left running after the tests, killed: ${leftovers.join(', ')}`);
      if (code === 0) code = 1;
    }
    fs.copyFileSync(path.join(run.dir, 'code-server.log'), path.join(RESULTS, 'code-server.log'));
    if (code === 0) fs.rmSync(run.dir, { recursive: true, force: true });
    else log(`kept the run folder for a post-mortem: ${run.dir}`);
  }
  log(`e2e: exit code ${code}, ${n} screenshots, ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
  return code;
}

main().then(
  (c) => process.exit(c),
  (e: Error) => {
    console.error(`e2e: ${e.stack ?? e.message}`);
    process.exit(1);
  },
);
