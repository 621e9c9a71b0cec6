// Screenshots are taken by the Playwright side (it owns the page): a test asks by writing
// NAME.request into the shots folder and waits for NAME.done.
import * as fs from 'fs';
import * as path from 'path';

export async function shot(name: string, timeoutMs = 20000): Promise<void> {
  const dir = process.env.UEFI_HV_E2E_SHOTS;
  if (!dir) throw new Error('UEFI_HV_E2E_SHOTS is not set: run the e2e tests with test/e2e/run.sh');
  await new Promise((r) => setTimeout(r, 800)); // let the workbench paint what the test just did
  fs.writeFileSync(path.join(dir, `${name}.request`), '');
  const done = path.join(dir, `${name}.done`);
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(done)) {
    if (Date.now() > deadline) throw new Error(`screenshot ${name} not taken within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function writeResult(key: string, value: unknown): void {
  const dir = process.env.UEFI_HV_E2E_RESULTS;
  if (!dir) return;
  const file = path.join(dir, 'e2e-figures.json');
  const data = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  data[key] = value;
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}
