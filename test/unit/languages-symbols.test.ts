import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Edk2Symbol, documentSymbols } from '../../extension/src/languages/edk2/symbols';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', 'test', 'grammars');

/** name/kind tree, enough to compare outlines without ranges. */
function shape(symbols: Edk2Symbol[]): unknown[] {
  return symbols.map((s) => (s.children.length ? [s.kind, s.name, shape(s.children)] : [s.kind, s.name]));
}

function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

describe('EDK2 document symbols', () => {
  it('outlines a .dsc: sections, defines, library instances, PCDs and components with their overrides', () => {
    const symbols = documentSymbols(fixture('platform.dsc'), 'dsc');
    const byName = (n: string) => symbols.find((s) => s.name === n);
    assert.deepStrictEqual(
      symbols.map((s) => s.name),
      [
        'Defines',
        'SkuIds',
        'LibraryClasses',
        'LibraryClasses.common.UEFI_DRIVER, LibraryClasses.common.DXE_DRIVER',
        'PcdsFixedAtBuild',
        'PcdsDynamicHii.X64.DEFAULT',
        'Components.X64',
        'BuildOptions',
      ],
    );
    assert.deepStrictEqual(
      byName('Defines')!.children.map((c) => c.name),
      [
        'PLATFORM_NAME',
        'PLATFORM_GUID',
        'DSC_SPECIFICATION',
        'OUTPUT_DIRECTORY',
        'SUPPORTED_ARCHITECTURES',
        'BUILD_TARGETS',
        'HV_SERIAL',
        'HV_OPT',
        'HV_OPT',
      ],
    );
    assert.deepStrictEqual(shape(byName('LibraryClasses')!.children), [
      ['library-instance', 'BaseLib'],
      ['library-instance', 'HvLogLib'],
    ]);
    assert.strictEqual(
      byName('LibraryClasses')!.children[1].detail,
      '$(HV_ROOT)/Library/HvLogLib/HvLogLib.inf',
    );
    assert.deepStrictEqual(shape(byName('PcdsFixedAtBuild')!.children), [
      ['pcd', 'gEfiMdePkgTokenSpaceGuid.PcdDebugPropertyMask'],
      ['pcd', 'gHvTokenSpaceGuid.PcdHvBanner'],
    ]);
    assert.deepStrictEqual(shape(byName('Components.X64')!.children), [
      ['component', 'HvLoader.inf'],
      [
        'component',
        'HvDxe.inf',
        [
          ['library-instance', 'DebugLib'],
          ['library-instance', 'NULL'],
          ['pcd', 'gEfiMdePkgTokenSpaceGuid.PcdDebugPrintErrorLevel'],
          ['entry', 'GCC:*_*_X64_CC_FLAGS'],
          ['pcd', 'gHvTokenSpaceGuid.PcdHvVerbose'],
        ],
      ],
      ['component', 'HvTestApp.inf'],
    ]);
    const dxe = byName('Components.X64')!.children[1];
    assert.strictEqual(dxe.detail, 'HvPkg/HvDxe/HvDxe.inf');
    const lines = fixture('platform.dsc').split('\n');
    assert.match(lines[dxe.range.startLine], /HvDxe\.inf \{/);
    assert.match(lines[dxe.range.endLine], /^\s*\}\s*$/, 'the component spans its { } block');
    assert.strictEqual(
      dxe.children[0].detail,
      '<LibraryClasses> MdePkg/Library/BaseDebugLibSerialPort/BaseDebugLibSerialPort.inf',
    );
  });

  it('outlines an .fdf: FDs with regions, FVs with INF and FILE statements, capsules and rules', () => {
    const symbols = documentSymbols(fixture('flash.fdf'), 'fdf');
    assert.deepStrictEqual(
      symbols.map((s) => [s.kind, s.name, s.detail]),
      [
        ['section', 'Defines', ''],
        ['fd', 'HVFD', 'FD'],
        ['fv', 'HVFV', 'FV'],
        ['capsule', 'HvUpdate', 'Capsule'],
        ['rule', 'Rule.Common.UEFI_DRIVER.HVDRIVER', ''],
        ['fv', 'HVCOMPACT', 'FV'],
        ['rule', 'Rule.Common.SEC', ''],
        ['fv', 'LowerCaseIsFine', 'fv'],
        ['section', 'Region.Bad', ''],
      ],
    );
    const fd = symbols[1];
    assert.deepStrictEqual(
      fd.children.map((c) => [c.kind, c.name, c.detail]),
      [
        ['region', '0x00000000|0x00100000', 'FV = HVFV'],
        ['region', '0x00100000|0x00001000', 'DATA = {...}'],
      ],
    );
    assert.deepStrictEqual(
      symbols[2].children.map((c) => [c.kind, c.name, c.detail]),
      [
        ['inf', 'HvDxe.inf', 'HvPkg/HvDxe/HvDxe.inf'],
        ['inf', 'HvLoader.inf', '$(HV_ROOT)/HvLoader/HvLoader.inf'],
        ['file', '4f3a2b1c-0d9e-4c8b-a7f6-e5d4c3b2a190', 'FILE FREEFORM'],
      ],
    );
    assert.deepStrictEqual(
      symbols[5].children.map((c) => [c.kind, c.name, c.detail]),
      [['file', '2a8c4e6f-1b3d-4f5a-9c7e-0d2f4a6b8c1e', 'FILE FV_IMAGE']],
    );
    const lines = fixture('flash.fdf').split('\n');
    const inf = symbols[2].children[1];
    assert.strictEqual(
      lines[inf.selectionRange.startLine].slice(
        inf.selectionRange.startCharacter,
        inf.selectionRange.endCharacter,
      ),
      '$(HV_ROOT)/HvLoader/HvLoader.inf',
    );
  });

  it('outlines an .inf and a .dec by section with their entries', () => {
    const inf = documentSymbols(fixture('module.inf'), 'inf');
    assert.deepStrictEqual(
      inf.map((s) => s.name),
      [
        'Defines',
        'Sources',
        'Sources.X64, Sources.IA32',
        'Packages',
        'LibraryClasses.common.DXE_DRIVER',
        'Protocols',
        'Pcd',
        'FeaturePcd',
        'Depex',
        'BuildOptions',
        'Binaries.X64',
        'Sourcez',
      ],
    );
    assert.deepStrictEqual(shape(inf[1].children), [
      ['source', 'HvTest.c'],
      ['source', 'Common/Log.c'],
    ]);
    assert.deepStrictEqual(shape(inf[3].children), [['package', 'MdePkg/MdePkg.dec']]);
    const dec = documentSymbols(fixture('package.dec'), 'dec');
    const guids = dec.find((s) => s.name === 'Guids')!;
    assert.deepStrictEqual(shape(guids.children), [['guid', 'gHvTokenSpaceGuid']]);
    assert.match(guids.children[0].detail, /^\{ 0x6a1b2c3d/);
    const pcds = dec.find((s) => s.name === 'PcdsFixedAtBuild, PcdsPatchableInModule')!;
    assert.deepStrictEqual(
      pcds.children.map((c) => [c.name, c.detail]),
      [
        ['gHvTokenSpaceGuid.PcdHvSerialBase', '0x3F8|UINT16|0x00000001'],
        ['gHvTokenSpaceGuid.PcdHvBanner', 'L"uefi-hv"|VOID*|0x00000002'],
        ['gHvTokenSpaceGuid.PcdHvMac', '{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}|VOID*|0x00000003'],
      ],
    );
  });

  it('gives an empty outline for a file without sections and survives unbalanced braces', () => {
    assert.deepStrictEqual(documentSymbols('# only a comment\n', 'inf'), []);
    const withDefine = documentSymbols('[Components]\n  DEFINE DRV = A\n  $(DRV)/A.inf\n', 'dsc');
    assert.deepStrictEqual(shape(withDefine), [
      [
        'section',
        'Components',
        [
          ['define', 'DRV'],
          ['component', 'A.inf'],
        ],
      ],
    ]);
    const s = documentSymbols('[Components]\n  A/A.inf {\n    <LibraryClasses>\n', 'dsc');
    assert.deepStrictEqual(shape(s), [['section', 'Components', [['component', 'A.inf']]]]);
  });
});
