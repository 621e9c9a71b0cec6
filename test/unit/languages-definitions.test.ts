import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  candidatePaths,
  collectMacros,
  expandMacros,
  packageOf,
  packageRootOf,
  pathReferenceAt,
  resolvePath,
  searchRoots,
} from '../../extension/src/languages/edk2/paths';

/** A real tree on disk: our package in ws/, an EDK2 package in a separate PACKAGES_PATH entry. */
function makeTree(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edk2-paths-'));
  const files: Record<string, string> = {
    'ws/HvPkg/HvPkg.dec': '[Defines]\n  PACKAGE_NAME = HvPkg\n',
    'ws/HvPkg/HvPkg.dsc': [
      '[Defines]',
      '  PLATFORM_NAME = HvPkg',
      '  FLASH_DEFINITION = HvPkg/HvPkg.fdf',
      '  DEFINE HV_ROOT = HvPkg',
      '  DEFINE HV_LIBS = $(HV_ROOT)/Library',
      '!include Shared.dsc.inc',
      '[LibraryClasses]',
      '  BaseLib|MdePkg/Library/BaseLib/BaseLib.inf',
      '  HvLogLib|$(HV_LIBS)/HvLogLib/HvLogLib.inf  # ours',
      '  ArchLib|$(HV_ROOT)/$(ARCH)/ArchLib.inf',
      '[Components]',
      '  $(HV_ROOT)/HvDxe/HvDxe.inf {',
      '    <LibraryClasses>',
      '      NULL|$(WORKSPACE)/HvPkg/Library/HvLogLib/HvLogLib.inf',
      '  }',
      '  gHvTokenSpaceGuid.PcdNotAPath|0x1',
      '',
    ].join('\n'),
    'ws/HvPkg/Shared.dsc.inc': '',
    'ws/HvPkg/HvPkg.fdf': '[FV.HVFV]\nINF RuleOverride = HVDRIVER $(HV_ROOT)/HvDxe/HvDxe.inf\n',
    'ws/HvPkg/HvDxe/HvDxe.inf':
      '[Sources]\n  HvDxe.c\n  X64\\VmxAsm.nasm\n[Packages]\n  MdePkg/MdePkg.dec\n  HvPkg/HvPkg.dec\n',
    'ws/HvPkg/HvDxe/HvDxe.c': '',
    'ws/HvPkg/HvDxe/X64/VmxAsm.nasm': '',
    'ws/HvPkg/Library/HvLogLib/HvLogLib.inf': '',
    'edk2/MdePkg/MdePkg.dec': '',
    'repo/hv-driver/HvPkg.dec': '',
    'repo/hv-driver/HvPkg.dsc': '[Components]\n  HvPkg/HvDxe.inf\n',
    'repo/hv-driver/HvDxe.inf': '',
    'edk2/MdePkg/Library/BaseLib/BaseLib.inf': '',
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe('EDK2 Go to Definition: path references and resolution', () => {
  let root: string;
  let ws: string;
  let dsc: string;
  let dscLines: string[];
  before(() => {
    root = makeTree();
    ws = path.join(root, 'ws');
    dsc = path.join(ws, 'HvPkg', 'HvPkg.dsc');
    dscLines = fs.readFileSync(dsc, 'utf8').split('\n');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const col = (line: string, text: string) => line.indexOf(text) + 2;

  it('finds the path under the cursor and its context, and nothing on PCDs, comments or keys', () => {
    const lib = pathReferenceAt(dscLines, 8, col(dscLines[8], '$(HV_LIBS)'), 'dsc');
    assert.deepStrictEqual(lib, {
      text: '$(HV_LIBS)/HvLogLib/HvLogLib.inf',
      line: 8,
      start: dscLines[8].indexOf('$'),
      end: dscLines[8].indexOf('.inf') + 4,
      context: 'library-instance',
    });
    assert.strictEqual(pathReferenceAt(dscLines, 11, 5, 'dsc')?.context, 'component');
    assert.strictEqual(
      pathReferenceAt(dscLines, 13, col(dscLines[13], '$(WORKSPACE)'), 'dsc')?.context,
      'library-instance',
    );
    assert.strictEqual(pathReferenceAt(dscLines, 5, 12, 'dsc')?.context, 'include');
    assert.strictEqual(pathReferenceAt(dscLines, 15, 10, 'dsc'), undefined, 'a PCD name is not a path');
    assert.strictEqual(pathReferenceAt(dscLines, 8, dscLines[8].indexOf('ours'), 'dsc'), undefined);
    assert.strictEqual(pathReferenceAt(dscLines, 8, 4, 'dsc'), undefined, 'the class name is not a path');
  });

  it('collects DEFINEs and [Defines] entries in order, expanding as it goes', () => {
    const macros = collectMacros(dscLines, 'dsc', new Map([['WORKSPACE', ws]]));
    assert.strictEqual(macros.get('HV_LIBS'), 'HvPkg/Library');
    assert.strictEqual(macros.get('PLATFORM_NAME'), 'HvPkg');
    assert.strictEqual(macros.get('WORKSPACE'), ws);
    assert.strictEqual(expandMacros('$(HV_LIBS)/$(NOPE)/x', macros), 'HvPkg/Library/$(NOPE)/x');
  });

  it('roots: WORKSPACE, PACKAGES_PATH, the folder holding the package, then the editor folders', () => {
    assert.strictEqual(packageRootOf(path.join(ws, 'HvPkg', 'HvDxe', 'HvDxe.inf')), ws);
    assert.strictEqual(packageRootOf(path.join(root, 'loose.dsc')), undefined);
    const roots = searchRoots(dsc, { packagesPath: [path.join(root, 'edk2')], workspaceFolders: [root] });
    assert.deepStrictEqual(roots, [path.join(root, 'edk2'), ws, root]);
  });

  it('resolves .dsc library instances and components against the roots, with macros', () => {
    const roots = searchRoots(dsc, { packagesPath: [path.join(root, 'edk2')] });
    const macros = collectMacros(dscLines, 'dsc', new Map([['WORKSPACE', ws]]));
    const at = (line: number, text: string) =>
      pathReferenceAt(dscLines, line, col(dscLines[line], text), 'dsc')!;
    const opts = { documentPath: dsc, roots, macros };
    assert.strictEqual(
      resolvePath(at(7, 'MdePkg'), opts),
      path.join(root, 'edk2/MdePkg/Library/BaseLib/BaseLib.inf'),
    );
    assert.strictEqual(
      resolvePath(at(8, '$(HV_LIBS)'), opts),
      path.join(ws, 'HvPkg/Library/HvLogLib/HvLogLib.inf'),
    );
    assert.strictEqual(resolvePath(at(11, '$(HV_ROOT)'), opts), path.join(ws, 'HvPkg/HvDxe/HvDxe.inf'));
    assert.strictEqual(
      resolvePath(at(13, '$(WORKSPACE)'), opts),
      path.join(ws, 'HvPkg/Library/HvLogLib/HvLogLib.inf'),
    );
    assert.strictEqual(
      resolvePath(at(5, 'Shared'), opts),
      path.join(ws, 'HvPkg/Shared.dsc.inc'),
      '!include: the file folder first',
    );
    assert.deepStrictEqual(
      candidatePaths(at(9, '$(HV_ROOT)'), opts),
      [],
      'an unknown $(ARCH) leaves nothing to guess',
    );
    assert.strictEqual(
      resolvePath({ text: 'MdePkg/Library/Missing/Missing.inf', context: 'library-instance' }, opts),
      undefined,
    );
  });

  it('tries roots in order: WORKSPACE wins over PACKAGES_PATH', () => {
    const shadow = path.join(root, 'shadow');
    fs.mkdirSync(path.join(shadow, 'MdePkg/Library/BaseLib'), { recursive: true });
    fs.writeFileSync(path.join(shadow, 'MdePkg/Library/BaseLib/BaseLib.inf'), '');
    const roots = searchRoots(dsc, { workspace: shadow, packagesPath: [path.join(root, 'edk2')] });
    const ref = { text: 'MdePkg/Library/BaseLib/BaseLib.inf', context: 'library-instance' as const };
    assert.strictEqual(
      resolvePath(ref, { documentPath: dsc, roots, macros: new Map() }),
      path.join(shadow, 'MdePkg/Library/BaseLib/BaseLib.inf'),
    );
  });

  it('resolves .inf [Sources] relative to the .inf (backslashes too) and [Packages] against the roots', () => {
    const inf = path.join(ws, 'HvPkg', 'HvDxe', 'HvDxe.inf');
    const lines = fs.readFileSync(inf, 'utf8').split('\n');
    const roots = searchRoots(inf, { packagesPath: [path.join(root, 'edk2')] });
    const opts = { documentPath: inf, roots, macros: collectMacros(lines, 'inf') };
    const src = pathReferenceAt(lines, 1, 4, 'inf')!;
    assert.strictEqual(src.context, 'source');
    assert.strictEqual(resolvePath(src, opts), path.join(ws, 'HvPkg/HvDxe/HvDxe.c'));
    assert.strictEqual(
      resolvePath(pathReferenceAt(lines, 2, 4, 'inf')!, opts),
      path.join(ws, 'HvPkg/HvDxe/X64/VmxAsm.nasm'),
    );
    const pkg = pathReferenceAt(lines, 4, 4, 'inf')!;
    assert.strictEqual(pkg.context, 'package');
    assert.strictEqual(resolvePath(pkg, opts), path.join(root, 'edk2/MdePkg/MdePkg.dec'));
    assert.strictEqual(
      resolvePath(pathReferenceAt(lines, 5, 4, 'inf')!, opts),
      path.join(ws, 'HvPkg/HvPkg.dec'),
    );
  });

  it('resolves paths through the package name when its folder is named differently (hv-driver = HvPkg)', () => {
    const file = path.join(root, 'repo', 'hv-driver', 'HvPkg.dsc');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const ref = pathReferenceAt(lines, 1, 4, 'dsc')!;
    const pkg = packageOf(file);
    assert.deepStrictEqual(pkg, { name: 'HvPkg', dir: path.join(root, 'repo', 'hv-driver') });
    const opts = { documentPath: file, roots: searchRoots(file, {}), macros: new Map<string, string>() };
    assert.strictEqual(resolvePath(ref, opts), undefined, 'no HvPkg/ folder under any root');
    assert.strictEqual(
      resolvePath(ref, { ...opts, packages: [pkg!] }),
      path.join(root, 'repo/hv-driver/HvDxe.inf'),
    );
  });

  it('resolves an .fdf INF statement with the platform .dsc macros', () => {
    const fdf = path.join(ws, 'HvPkg', 'HvPkg.fdf');
    const lines = fs.readFileSync(fdf, 'utf8').split('\n');
    const ref = pathReferenceAt(lines, 1, lines[1].indexOf('$(HV_ROOT)') + 3, 'fdf')!;
    assert.strictEqual(ref.context, 'inf');
    const macros = collectMacros(lines, 'fdf', collectMacros(dscLines, 'dsc'));
    const roots = searchRoots(fdf, {});
    assert.strictEqual(
      resolvePath(ref, { documentPath: fdf, roots, macros }),
      path.join(ws, 'HvPkg/HvDxe/HvDxe.inf'),
    );
  });
});
