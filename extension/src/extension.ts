// Extension entry point. Kept tiny: each feature area registers itself.
import * as vscode from 'vscode';
import { registerLanguageFeatures } from './languages';

export function activate(context: vscode.ExtensionContext): void {
  registerLanguageFeatures(context);
}

export function deactivate(): void {}
