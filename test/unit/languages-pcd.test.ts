import * as assert from 'assert';
import * as path from 'path';
import {
  PcdIndex,
  guidToRegistryFormat,
  parseDec,
  pcdHoverMarkdown,
  pcdReferenceAt,
} from '../../extension/src/languages/edk2/pcd';

const DEC_FILE = '/ws/HvPkg/HvPkg.dec';
const DEC_TEXT = [
  '## @file',
  '#  Declarations of a test package.',
  '##',
  '[Defines]',
  '  DEC_SPECIFICATION = 0x0001001B',
  '  PACKAGE_NAME      = HvPkg',
  '',
  '[Guids]',
  '  ## Token space of the package PCDs.',
  '  gHvTokenSpaceGuid = { 0x6a1b2c3d, 0x4e5f, 0x4a6b, { 0x8c, 0x9d, 0xae, 0xbf, 0x10, 0x21, 0x32, 0x43 }}',
  '',
  '[PcdsFixedAtBuild, PcdsPatchableInModule]',
  '  ## I/O port of the UART the hypervisor logs to.',
  '  # @Prompt Serial base.',
  '  gHvTokenSpaceGuid.PcdHvSerialBase|0x3F8|UINT16|0x00000001',
  '  gHvTokenSpaceGuid.PcdHvBanner|L"uefi-hv"|VOID*|0x00000002',
  '  gHvTokenSpaceGuid.PcdHvMac|{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}|VOID*|0x00000003',
  '',
  '[PcdsFeatureFlag]',
  '  gHvTokenSpaceGuid.PcdHvVerbose|FALSE|BOOLEAN|0x00000010',
  '',
].join('\n');

describe('EDK2 PCD declarations, index and hover', () => {
  const decText = DEC_TEXT;

  it('parses declarations with fields, sections, comments and prompt', () => {
    const { pcds } = parseDec(decText, DEC_FILE);
    assert.deepStrictEqual(
      pcds.map((p) => `${p.tokenSpace}.${p.name}`),
      [
        'gHvTokenSpaceGuid.PcdHvSerialBase',
        'gHvTokenSpaceGuid.PcdHvBanner',
        'gHvTokenSpaceGuid.PcdHvMac',
        'gHvTokenSpaceGuid.PcdHvVerbose',
      ],
    );
    const serial = pcds[0];
    assert.strictEqual(serial.defaultValue, '0x3F8');
    assert.strictEqual(serial.datumType, 'UINT16');
    assert.strictEqual(serial.token, '0x00000001');
    assert.deepStrictEqual(serial.sectionTypes, ['PcdsFixedAtBuild', 'PcdsPatchableInModule']);
    assert.deepStrictEqual(serial.archs, ['common']);
    assert.deepStrictEqual(serial.comments, ['I/O port of the UART the hypervisor logs to.']);
    assert.strictEqual(serial.prompt, 'Serial base.');
    assert.strictEqual(
      decText.split('\n')[serial.line].trim().startsWith('gHvTokenSpaceGuid.PcdHvSerialBase'),
      true,
    );
    assert.strictEqual(
      pcds[2].defaultValue,
      '{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}',
      'a | inside braces is not a separator',
    );
    assert.deepStrictEqual(pcds[3].sectionTypes, ['PcdsFeatureFlag']);
    assert.deepStrictEqual(pcds[1].comments, [], 'comments stop at the previous declaration');
  });

  it('takes a trailing comment and the architecture of the header', () => {
    const { pcds } = parseDec(
      '[PcdsDynamic.X64, PcdsDynamicEx.X64]\n  ## Top.\n  gA.PcdB|TRUE|BOOLEAN|0x5  ## trailing\n',
      'a.dec',
    );
    assert.deepStrictEqual(pcds[0].archs, ['X64']);
    assert.deepStrictEqual(pcds[0].comments, ['Top.', 'trailing']);
    assert.deepStrictEqual(pcds[0].sectionTypes, ['PcdsDynamic', 'PcdsDynamicEx']);
  });

  it('cleans <BR> markers and escapes Markdown in comment text', () => {
    const text =
      '[PcdsFixedAtBuild]\n  #  Mask for ASSERT*** and DEBUG_PRINT.<BR>\n  #  BIT0 - `x`<BR><BR>\n  gA.PcdM|0|UINT8|0x1\n';
    const index = new PcdIndex();
    index.setFile('/a.dec', text);
    const decls = index.lookup('gA', 'PcdM');
    assert.deepStrictEqual(decls[0].comments, ['Mask for ASSERT*** and DEBUG_PRINT.', 'BIT0 - `x`']);
    const md = pcdHoverMarkdown({ tokenSpace: 'gA', name: 'PcdM' }, decls, index);
    assert.ok(md.includes('Mask for ASSERT\\*\\*\\* and DEBUG\\_PRINT.  \nBIT0 - \\`x\\`'), md);
    assert.ok(md.includes('GUID not found in the indexed .dec files'), md);
  });

  it('converts C-struct GUIDs to registry format and refuses malformed ones', () => {
    assert.strictEqual(
      guidToRegistryFormat(
        '{ 0x6a1b2c3d, 0x4e5f, 0x4a6b, { 0x8c, 0x9d, 0xae, 0xbf, 0x10, 0x21, 0x32, 0x43 }}',
      ),
      '6A1B2C3D-4E5F-4A6B-8C9D-AEBF10213243',
    );
    assert.strictEqual(
      guidToRegistryFormat(' 3c5a2b1e-7d44-4f0a-9e21-6b8d0c2f1a55 '),
      '3C5A2B1E-7D44-4F0A-9E21-6B8D0C2F1A55',
    );
    assert.strictEqual(guidToRegistryFormat('{ 0x1, 0x2 }'), undefined);
    assert.strictEqual(guidToRegistryFormat('{ 0x1, 0x12345, 0x3, { 1,2,3,4,5,6,7,8 }}'), undefined);
    assert.strictEqual(
      guidToRegistryFormat('{ 0x1, 0x10000, 0x3, { 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8 }}'),
      undefined,
      'a 16-bit field out of range',
    );
  });

  it('indexes several files, replaces and removes them', () => {
    const index = new PcdIndex();
    index.setFile(DEC_FILE, decText);
    index.setFile(
      '/other/Other.dec',
      '[PcdsFixedAtBuild]\n  gHvTokenSpaceGuid.PcdHvSerialBase|0x2F8|UINT16|0x99\n',
    );
    assert.strictEqual(index.fileCount, 2);
    assert.deepStrictEqual(
      index.lookup('gHvTokenSpaceGuid', 'PcdHvSerialBase').map((d) => d.defaultValue),
      ['0x3F8', '0x2F8'],
    );
    assert.strictEqual(index.guid('gHvTokenSpaceGuid')?.value, '6A1B2C3D-4E5F-4A6B-8C9D-AEBF10213243');
    index.setFile('/other/Other.dec', '');
    assert.strictEqual(index.lookup('gHvTokenSpaceGuid', 'PcdHvSerialBase').length, 1);
    index.removeFile(DEC_FILE);
    assert.strictEqual(index.lookup('gHvTokenSpaceGuid', 'PcdHvSerialBase').length, 0);
    assert.strictEqual(index.guid('gHvTokenSpaceGuid'), undefined);
  });

  it('finds the PCD under the cursor, not in comments, paths or file names', () => {
    const line = '  gHvTokenSpaceGuid.PcdHvSerialBase|0x3F8  # gX.PcdInComment';
    assert.deepStrictEqual(pcdReferenceAt(line, 10), {
      tokenSpace: 'gHvTokenSpaceGuid',
      name: 'PcdHvSerialBase',
      start: 2,
      end: 35,
    });
    assert.deepStrictEqual(pcdReferenceAt(line, 35)?.name, 'PcdHvSerialBase');
    assert.strictEqual(pcdReferenceAt(line, 40), undefined);
    assert.strictEqual(pcdReferenceAt(line, line.indexOf('PcdInComment')), undefined);
    assert.strictEqual(pcdReferenceAt('  HvPkg/HvDxe/HvDxe.inf', 18), undefined);
    assert.strictEqual(pcdReferenceAt('  Foo.inf', 4), undefined);
    const fdf = 'BaseAddress = 0xFFE00000|gHvTokenSpaceGuid.PcdHvFdBase';
    assert.strictEqual(pcdReferenceAt(fdf, fdf.length - 2)?.name, 'PcdHvFdBase');
  });

  it('writes a hover with type, sections, default, token, comments, declaration and token-space GUID', () => {
    const index = new PcdIndex();
    index.setFile(DEC_FILE, decText);
    const ref = { tokenSpace: 'gHvTokenSpaceGuid', name: 'PcdHvSerialBase' };
    const md = pcdHoverMarkdown(ref, index.lookup(ref.tokenSpace, ref.name), index, (f) => path.basename(f));
    const line = parseDec(decText, DEC_FILE).pcds[0].line + 1;
    assert.strictEqual(
      md,
      [
        '**gHvTokenSpaceGuid.PcdHvSerialBase**',
        '',
        '---',
        '',
        '`UINT16` · PcdsFixedAtBuild, PcdsPatchableInModule',
        '',
        'Default: `0x3F8` · Token: `0x00000001`',
        '',
        '*Serial base.*',
        '',
        'I/O port of the UART the hypervisor logs to.',
        '',
        `Declared in \`HvPkg.dec:${line}\``,
        '',
        '---',
        '',
        `Token space \`gHvTokenSpaceGuid\` = \`6A1B2C3D-4E5F-4A6B-8C9D-AEBF10213243\` (HvPkg.dec:${parseDec(decText, DEC_FILE).guids[0].line + 1})`,
      ].join('\n'),
    );
    const missing = pcdHoverMarkdown({ tokenSpace: 'gHvTokenSpaceGuid', name: 'PcdTypo' }, [], index);
    assert.strictEqual(
      missing,
      '**gHvTokenSpaceGuid.PcdTypo**\n\nNot declared in any of the 1 .dec files of the workspace.',
    );
  });
});
