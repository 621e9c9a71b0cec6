// Runs in VS Code's extension host (code-server), loaded through the page URL's extensionTestsPath.
// VS Code awaits run(); a rejection makes the workbench call codeAutomationExit(1).
import * as path from 'path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 10 * 60 * 1000, reporter: 'spec' });
  // UEFI_HV_E2E_GREP: a regular expression; run only the matching tests (development; CI runs them all).
  if (process.env.UEFI_HV_E2E_GREP) mocha.grep(new RegExp(process.env.UEFI_HV_E2E_GREP));
  mocha.addFile(path.join(__dirname, 'workbench.test.js'));
  mocha.addFile(path.join(__dirname, 'debug.test.js'));
  mocha.addFile(path.join(__dirname, 'bochs.test.js'));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} e2e test(s) failed`)) : resolve()));
  });
}
