// Thin VS Code adapters over the pure EDK2 parsers: outline, folding, Go to Definition and PCD hover.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { foldingRegions } from './edk2/folding';
import {
  PathReference,
  collectMacros,
  nodeFileSystem,
  packageOf,
  pathReferenceAt,
  resolvePath,
  searchRoots,
} from './edk2/paths';
import { PcdIndex, pcdHoverMarkdown, pcdReferenceAt } from './edk2/pcd';
import { Edk2FileKind, fileKindOf } from './edk2/sections';
import { Edk2Symbol, Edk2SymbolKind, LineRange, documentSymbols } from './edk2/symbols';
import { decodeEdk2Text } from './edk2/text';
import { readSettings } from '../ui/settings';

export const EDK2_LANGUAGES: Record<Edk2FileKind, string> = {
  inf: 'edk2-inf',
  dec: 'edk2-dec',
  dsc: 'edk2-dsc',
  fdf: 'edk2-fdf',
};

export function kindOfDocument(doc: vscode.TextDocument): Edk2FileKind | undefined {
  const byLanguage = (Object.keys(EDK2_LANGUAGES) as Edk2FileKind[]).find(
    (k) => EDK2_LANGUAGES[k] === doc.languageId,
  );
  return byLanguage ?? fileKindOf(doc.fileName);
}

function toRange(r: LineRange): vscode.Range {
  return new vscode.Range(r.startLine, r.startCharacter, r.endLine, r.endCharacter);
}

const SYMBOL_KINDS: Record<Edk2SymbolKind, vscode.SymbolKind> = {
  section: vscode.SymbolKind.Namespace,
  define: vscode.SymbolKind.Constant,
  component: vscode.SymbolKind.Module,
  'library-instance': vscode.SymbolKind.Class,
  'library-class': vscode.SymbolKind.Interface,
  pcd: vscode.SymbolKind.Property,
  guid: vscode.SymbolKind.Constant,
  package: vscode.SymbolKind.Package,
  source: vscode.SymbolKind.File,
  fd: vscode.SymbolKind.Struct,
  fv: vscode.SymbolKind.Package,
  capsule: vscode.SymbolKind.Object,
  rule: vscode.SymbolKind.Function,
  region: vscode.SymbolKind.Field,
  inf: vscode.SymbolKind.Module,
  file: vscode.SymbolKind.File,
  entry: vscode.SymbolKind.Field,
};

function toDocumentSymbol(s: Edk2Symbol): vscode.DocumentSymbol {
  const d = new vscode.DocumentSymbol(
    s.name || '(unnamed)',
    s.detail,
    SYMBOL_KINDS[s.kind],
    toRange(s.range),
    toRange(s.selectionRange),
  );
  d.children = s.children.map(toDocumentSymbol);
  return d;
}

export class Edk2SymbolProvider implements vscode.DocumentSymbolProvider {
  provideDocumentSymbols(doc: vscode.TextDocument): vscode.DocumentSymbol[] {
    const kind = kindOfDocument(doc);
    return kind ? documentSymbols(doc.getText(), kind).map(toDocumentSymbol) : [];
  }
}

export class Edk2FoldingProvider implements vscode.FoldingRangeProvider {
  provideFoldingRanges(doc: vscode.TextDocument): vscode.FoldingRange[] {
    return foldingRegions(doc.getText()).map(
      (r) =>
        new vscode.FoldingRange(
          r.start,
          r.end,
          r.kind === 'comment'
            ? vscode.FoldingRangeKind.Comment
            : r.kind === 'region'
              ? vscode.FoldingRangeKind.Region
              : undefined,
        ),
    );
  }
}

/** WORKSPACE / PACKAGES_PATH: the settings first (uefi-hv.paths.edk2Workspace, .edk2PackagesPath),
 * then the environment VS Code was started with. */
function rootOptions(): { workspace?: string; packagesPath: string[]; workspaceFolders: string[] } {
  const s = readSettings(); // relative paths are resolved against the first workspace folder
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const fromEnv = (process.env.PACKAGES_PATH ?? '').split(path.delimiter).filter((p) => p);
  const workspace = s.edk2Workspace || process.env.WORKSPACE || undefined;
  return {
    workspace: workspace ? path.resolve(folders[0] ?? process.cwd(), workspace) : undefined,
    packagesPath: [...s.edk2PackagesPath, ...fromEnv],
    workspaceFolders: folders,
  };
}

/** Macros an .fdf sees: the platform .dsc's (same folder) and its own. */
function macrosFor(
  doc: vscode.TextDocument,
  kind: Edk2FileKind,
  workspace: string | undefined,
): Map<string, string> {
  const builtins = new Map<string, string>();
  if (workspace) builtins.set('WORKSPACE', workspace);
  let inherited = builtins;
  if (kind === 'fdf') {
    const dir = path.dirname(doc.fileName);
    for (const f of nodeFileSystem.readdir(dir).filter((n) => /\.dsc$/i.test(n))) {
      try {
        const text = decodeEdk2Text(fs.readFileSync(path.join(dir, f)));
        inherited = collectMacros(text, 'dsc', inherited);
      } catch {
        // an unreadable sibling .dsc only costs its macros
      }
    }
  }
  return collectMacros(doc.getText(), kind, inherited);
}

/** Definitions open files: a .dec [Includes] folder exists but is no place to jump to. */
const filesOnly = {
  ...nodeFileSystem,
  exists: (p: string) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  },
};

/** Go to Definition: a path opens its file; a PCD name jumps to its declarations in the .dec files. */
export class Edk2DefinitionProvider implements vscode.DefinitionProvider {
  constructor(private readonly pcds: PcdIndexService) {}

  async provideDefinition(
    doc: vscode.TextDocument,
    pos: vscode.Position,
  ): Promise<vscode.LocationLink[] | undefined> {
    const kind = kindOfDocument(doc);
    if (!kind) return undefined;
    const lines = doc.getText().split(/\r\n|\r|\n/);
    const ref: PathReference | undefined = pathReferenceAt(lines, pos.line, pos.character, kind);
    if (!ref) return this.pcdDefinition(lines[pos.line] ?? '', pos);
    const roots = rootOptions();
    const rootsList = searchRoots(doc.fileName, roots);
    if (!roots.workspace && rootsList.length) roots.workspace = rootsList[0];
    const target = resolvePath(ref, {
      documentPath: doc.fileName,
      roots: rootsList,
      macros: macrosFor(doc, kind, roots.workspace),
      packages: [packageOf(doc.fileName)].filter((p) => p !== undefined),
      fs: filesOnly,
    });
    if (!target) return undefined;
    return [
      {
        originSelectionRange: new vscode.Range(ref.line, ref.start, ref.line, ref.end),
        targetUri: vscode.Uri.file(target),
        targetRange: new vscode.Range(0, 0, 0, 0),
      },
    ];
  }

  private async pcdDefinition(
    lineText: string,
    pos: vscode.Position,
  ): Promise<vscode.LocationLink[] | undefined> {
    const ref = pcdReferenceAt(lineText, pos.character);
    if (!ref) return undefined;
    const decls = (await this.pcds.get()).lookup(ref.tokenSpace, ref.name);
    if (decls.length === 0) return undefined;
    return decls.map((d) => ({
      originSelectionRange: new vscode.Range(pos.line, ref.start, pos.line, ref.end),
      targetUri: vscode.Uri.file(d.file),
      targetRange: new vscode.Range(d.line, 0, d.line, 0),
    }));
  }
}

/** The workspace's .dec files, indexed on first use and kept current by a file watcher. */
export class PcdIndexService implements vscode.Disposable {
  private readonly index = new PcdIndex();
  private ready: Promise<void> | undefined;
  private readonly watcher: vscode.FileSystemWatcher;

  constructor() {
    this.watcher = vscode.workspace.createFileSystemWatcher('**/*.dec');
    const reload = (uri: vscode.Uri) => {
      if (this.ready) void this.loadFile(uri);
    };
    this.watcher.onDidCreate(reload);
    this.watcher.onDidChange(reload);
    this.watcher.onDidDelete((uri) => this.index.removeFile(uri.fsPath));
  }

  private async loadFile(uri: vscode.Uri): Promise<void> {
    try {
      this.index.setFile(uri.fsPath, decodeEdk2Text(await vscode.workspace.fs.readFile(uri)));
    } catch {
      this.index.removeFile(uri.fsPath);
    }
  }

  async get(): Promise<PcdIndex> {
    this.ready ??= (async () => {
      const uris = await vscode.workspace.findFiles('**/*.dec', '**/{Build,node_modules,.git}/**');
      const extra = rootOptions().packagesPath.flatMap((root) =>
        nodeFileSystem.readdir(root).flatMap((pkg) =>
          nodeFileSystem
            .readdir(path.join(root, pkg))
            .filter((f) => /\.dec$/i.test(f))
            .map((f) => vscode.Uri.file(path.join(root, pkg, f))),
        ),
      );
      await Promise.all([...uris, ...extra].map((u) => this.loadFile(u)));
    })();
    await this.ready;
    return this.index;
  }

  dispose(): void {
    this.watcher.dispose();
  }
}

export class PcdHoverProvider implements vscode.HoverProvider {
  constructor(private readonly service: PcdIndexService) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const ref = pcdReferenceAt(doc.lineAt(pos.line).text, pos.character);
    if (!ref) return undefined;
    const index = await this.service.get();
    const decls = index.lookup(ref.tokenSpace, ref.name);
    if (decls.length === 0 && !/^Pcd/.test(ref.name)) return undefined;
    const md = new vscode.MarkdownString(
      pcdHoverMarkdown(ref, decls, index, (f) => vscode.workspace.asRelativePath(f)),
    );
    return new vscode.Hover(md, new vscode.Range(pos.line, ref.start, pos.line, ref.end));
  }
}
