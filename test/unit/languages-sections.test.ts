import * as assert from 'assert';
import { foldingRegions } from '../../extension/src/languages/edk2/folding';
import {
  fileKindOf,
  parseSections,
  sectionAt,
  sectionType,
} from '../../extension/src/languages/edk2/sections';
import { splitFields, stripComment, decodeEdk2Text } from '../../extension/src/languages/edk2/text';

const DSC = [
  '## @file', // 0
  '[Defines]', // 1
  '  PLATFORM_NAME = HvPkg', // 2
  '', // 3
  '# library instances below', // 4
  '[LibraryClasses.common.DXE_DRIVER, LibraryClasses.X64]', // 5
  '  BaseLib|MdePkg/Library/BaseLib/BaseLib.inf', // 6
  '!if $(TARGET) == DEBUG', // 7
  '  DebugLib|MdePkg/Library/UefiDebugLibConOut/UefiDebugLibConOut.inf', // 8
  '!endif', // 9
  '[Components]', // 10
  '  HvPkg/HvDxe/HvDxe.inf {', // 11
  '    <LibraryClasses>', // 12
  '      NULL|HvPkg/Library/HvHookLib/HvHookLib.inf', // 13
  '  }', // 14
  '', // 15
];

describe('EDK2 sections', () => {
  it('parses headers with architecture and module-type qualifiers', () => {
    const sections = parseSections(DSC);
    assert.deepStrictEqual(
      sections.map((s) => s.header),
      ['Defines', 'LibraryClasses.common.DXE_DRIVER, LibraryClasses.X64', 'Components'],
    );
    const lib = sections[1];
    assert.deepStrictEqual(lib.names, [
      {
        name: 'LibraryClasses',
        qualifiers: ['common', 'DXE_DRIVER'],
        arch: 'common',
        moduleType: 'DXE_DRIVER',
      },
      { name: 'LibraryClasses', qualifiers: ['X64'], arch: 'X64' },
    ]);
    assert.strictEqual(lib.headerStart, 0);
    assert.strictEqual(lib.headerEnd, DSC[5].length);
  });

  it('ends a section before trailing blank and comment lines', () => {
    const [defines, lib, comps] = parseSections(DSC);
    assert.strictEqual(defines.endLine, 2, 'the comment above [LibraryClasses] belongs to it');
    assert.strictEqual(lib.endLine, 9);
    assert.strictEqual(comps.endLine, 14);
    assert.strictEqual(sectionType(sectionAt(parseSections(DSC), 8)), 'LIBRARYCLASSES');
    assert.strictEqual(sectionAt(parseSections(DSC), 0), undefined);
  });

  it('knows the file kinds, include files too', () => {
    assert.strictEqual(fileKindOf('/a/HvPkg.DSC'), 'dsc');
    assert.strictEqual(fileKindOf('MdeLibs.dsc.inc'), 'dsc');
    assert.strictEqual(fileKindOf('x.fdf.inc'), 'fdf');
    assert.strictEqual(fileKindOf('x.uni'), undefined);
  });

  it('folds sections, !if blocks, brace blocks and comment runs', () => {
    const regions = foldingRegions([...DSC, '# one', '# two']);
    assert.deepStrictEqual(regions, [
      { start: 1, end: 2 },
      { start: 5, end: 9 },
      { start: 7, end: 9, kind: 'region' },
      { start: 10, end: 14 },
      { start: 11, end: 14 },
      { start: 16, end: 17, kind: 'comment' },
    ]);
  });
});

describe('EDK2 text helpers', () => {
  it('strips comments but not a # inside a string', () => {
    assert.strictEqual(stripComment('  X|L"a#b"  # note'), '  X|L"a#b"');
    assert.strictEqual(stripComment('# all comment'), '');
  });

  it('splits fields outside braces, parentheses and strings', () => {
    assert.deepStrictEqual(splitFields('{0x1|0x2}|"a|b"|UINT8(3)|x'), [
      '{0x1|0x2}',
      '"a|b"',
      'UINT8(3)',
      'x',
    ]);
  });

  it('decodes UTF-16LE/BE and UTF-8 with and without a BOM', () => {
    const text = '#string STR_X #language en-US "Größe"';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    assert.strictEqual(decodeEdk2Text(le), text);
    assert.strictEqual(decodeEdk2Text(be), text);
    assert.strictEqual(
      decodeEdk2Text(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])),
      text,
    );
    assert.strictEqual(decodeEdk2Text(Buffer.from(text)), text);
  });
});
