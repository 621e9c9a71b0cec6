// Language features for EDK2 files and the hypervisor's log, registered by the extension's activate().
import * as vscode from 'vscode';
import {
  EDK2_LANGUAGES,
  Edk2DefinitionProvider,
  Edk2FoldingProvider,
  Edk2SymbolProvider,
  PcdHoverProvider,
  PcdIndexService,
} from './providers';

/** Language id of the serial console / .hvlog grammar; output channels showing the console use it. */
export const HV_LOG_LANGUAGE_ID = 'uefi-hv-log';

export function registerLanguageFeatures(context: vscode.ExtensionContext): void {
  const selector: vscode.DocumentSelector = Object.values(EDK2_LANGUAGES).map((language) => ({ language }));
  const pcds = new PcdIndexService();
  context.subscriptions.push(
    pcds,
    vscode.languages.registerDocumentSymbolProvider(selector, new Edk2SymbolProvider()),
    vscode.languages.registerFoldingRangeProvider(selector, new Edk2FoldingProvider()),
    vscode.languages.registerDefinitionProvider(selector, new Edk2DefinitionProvider(pcds)),
    vscode.languages.registerHoverProvider(selector, new PcdHoverProvider(pcds)),
  );
}
