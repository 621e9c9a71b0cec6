import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { discoverOvmf, firmwareForBochs, firmwareForQemu, OvmfError } from '../../extension/src/target/ovmf';

// A fake file-system root holding one distribution's OVMF files.
function fakeRoot(files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'uefi-hv-ovmf-'));
  for (const f of files) {
    fs.mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), 'fd');
  }
  return root;
}

describe('OVMF discovery', () => {
  const roots: string[] = [];
  const root = (files: string[]): string => {
    const r = fakeRoot(files);
    roots.push(r);
    return r;
  };
  after(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

  it('Debian: the 4M pflash pair for QEMU and OVMF.fd for Bochs', () => {
    const r = root([
      '/usr/share/OVMF/OVMF_CODE_4M.fd',
      '/usr/share/OVMF/OVMF_VARS_4M.fd',
      '/usr/share/ovmf/OVMF.fd',
    ]);
    const found = discoverOvmf({ root: r, env: {} });
    assert.deepStrictEqual(found.pflash, {
      code: '/usr/share/OVMF/OVMF_CODE_4M.fd',
      vars: '/usr/share/OVMF/OVMF_VARS_4M.fd',
      source: 'Debian/Ubuntu',
    });
    assert.deepStrictEqual(found.unified, { path: '/usr/share/ovmf/OVMF.fd', source: 'Debian/Ubuntu' });
    assert.ok('pflash' in firmwareForQemu(found));
    assert.deepStrictEqual(firmwareForBochs(found), found.unified);
  });

  it('Fedora', () => {
    const r = root(['/usr/share/edk2/ovmf/OVMF_CODE.fd', '/usr/share/edk2/ovmf/OVMF_VARS.fd']);
    const found = discoverOvmf({ root: r, env: {} });
    assert.strictEqual(found.pflash?.code, '/usr/share/edk2/ovmf/OVMF_CODE.fd');
    assert.strictEqual(found.pflash?.source, 'Fedora');
    // Bochs gets the pair joined into one image (VARS then CODE).
    assert.deepStrictEqual(firmwareForBochs(found), { join: found.pflash });
  });

  it('Arch (4m names)', () => {
    const r = root(['/usr/share/edk2/x64/OVMF_CODE.4m.fd', '/usr/share/edk2/x64/OVMF_VARS.4m.fd']);
    const found = discoverOvmf({ root: r, env: {} });
    assert.deepStrictEqual(found.pflash, {
      code: '/usr/share/edk2/x64/OVMF_CODE.4m.fd',
      vars: '/usr/share/edk2/x64/OVMF_VARS.4m.fd',
      source: 'Arch',
    });
  });

  it('Homebrew (Apple silicon and Intel prefixes)', () => {
    for (const prefix of ['/opt/homebrew', '/usr/local']) {
      const r = root([`${prefix}/share/qemu/edk2-x86_64-code.fd`, `${prefix}/share/qemu/edk2-i386-vars.fd`]);
      const found = discoverOvmf({ root: r, env: {} });
      assert.strictEqual(found.pflash?.code, `${prefix}/share/qemu/edk2-x86_64-code.fd`);
      assert.strictEqual(found.pflash?.vars, `${prefix}/share/qemu/edk2-i386-vars.fd`);
      assert.strictEqual(found.pflash?.source, 'Homebrew');
    }
  });

  it('NixOS: libvirt path and an OVMF_PATH folder with FV/', () => {
    const r1 = root(['/run/libvirt/nix-ovmf/OVMF_CODE.fd', '/run/libvirt/nix-ovmf/OVMF_VARS.fd']);
    assert.strictEqual(discoverOvmf({ root: r1, env: {} }).pflash?.source, 'NixOS');
    const r2 = root([
      '/nix/store/abc-OVMF-fd/FV/OVMF_CODE.fd',
      '/nix/store/abc-OVMF-fd/FV/OVMF_VARS.fd',
      '/nix/store/abc-OVMF-fd/FV/OVMF.fd',
    ]);
    const found = discoverOvmf({ root: r2, env: { OVMF_PATH: '/nix/store/abc-OVMF-fd' } });
    assert.strictEqual(found.pflash?.code, '/nix/store/abc-OVMF-fd/FV/OVMF_CODE.fd');
    assert.strictEqual(found.unified?.path, '/nix/store/abc-OVMF-fd/FV/OVMF.fd');
    assert.strictEqual(found.pflash?.source, 'OVMF_PATH');
  });

  it('override: a CODE file finds its VARS sibling; another file is one image; a folder is searched', () => {
    const r = root(['/opt/fw/OVMF_CODE_4M.fd', '/opt/fw/OVMF_VARS_4M.fd', '/opt/one/MY.fd']);
    const code = path.join(r, 'opt/fw/OVMF_CODE_4M.fd');
    assert.strictEqual(
      discoverOvmf({ root: '/', env: {}, override: code }).pflash?.vars,
      path.join(r, 'opt/fw/OVMF_VARS_4M.fd'),
    );
    const one = path.join(r, 'opt/one/MY.fd');
    assert.deepStrictEqual(discoverOvmf({ root: '/', env: {}, override: one }).unified, {
      path: one,
      source: 'override',
    });
    assert.strictEqual(
      discoverOvmf({ root: '/', env: {}, override: path.join(r, 'opt/fw') }).pflash?.source,
      'override',
    );
  });

  it('Bochs takes only what fits its 2 MiB ROM window', () => {
    const r = root([
      '/usr/share/edk2/x64/OVMF_CODE.4m.fd',
      '/usr/share/edk2/x64/OVMF_VARS.4m.fd',
      '/usr/share/edk2/x64/OVMF.4m.fd',
    ]);
    fs.truncateSync(path.join(r, '/usr/share/edk2/x64/OVMF_CODE.4m.fd'), 3.5 * 1024 * 1024);
    fs.truncateSync(path.join(r, '/usr/share/edk2/x64/OVMF_VARS.4m.fd'), 512 * 1024);
    fs.truncateSync(path.join(r, '/usr/share/edk2/x64/OVMF.4m.fd'), 4 * 1024 * 1024);
    const found = discoverOvmf({ root: r, env: {} });
    assert.throws(() => firmwareForBochs(found), {
      message:
        "Bochs needs an OVMF image of at most 2 MiB (the 2M build, e.g. Debian's /usr/share/ovmf/OVMF.fd); found only larger: /usr/share/edk2/x64/OVMF.4m.fd, /usr/share/edk2/x64/OVMF_CODE.4m.fd",
    });
    // Debian has both builds: QEMU gets the 4M pair, Bochs the 2 MiB OVMF.fd.
    const d = root([
      '/usr/share/OVMF/OVMF_CODE_4M.fd',
      '/usr/share/OVMF/OVMF_VARS_4M.fd',
      '/usr/share/ovmf/OVMF.fd',
    ]);
    fs.truncateSync(path.join(d, '/usr/share/OVMF/OVMF_CODE_4M.fd'), 3.5 * 1024 * 1024);
    fs.truncateSync(path.join(d, '/usr/share/ovmf/OVMF.fd'), 2 * 1024 * 1024);
    const both = discoverOvmf({ root: d, env: {} });
    assert.strictEqual(
      (firmwareForQemu(both) as { pflash: { code: string } }).pflash.code,
      '/usr/share/OVMF/OVMF_CODE_4M.fd',
    );
    assert.deepStrictEqual(firmwareForBochs(both), {
      path: '/usr/share/ovmf/OVMF.fd',
      source: 'Debian/Ubuntu',
    });
  });

  it('override pointing nowhere is an error, never a silent fallback', () => {
    const r = root(['/usr/share/ovmf/OVMF.fd']);
    assert.throws(() => discoverOvmf({ root: r, env: {}, override: '/nowhere/OVMF.fd' }), {
      name: 'OvmfError',
      message: 'OVMF override /nowhere/OVMF.fd does not exist',
    });
  });

  it('none found: one line naming where it looked and the apt line', () => {
    const found = discoverOvmf({ root: root([]), env: {} });
    assert.throws(
      () => firmwareForQemu(found),
      (e: unknown) =>
        e instanceof OvmfError &&
        /^OVMF not found \(looked in \/usr\/share\/OVMF, .*\/usr\/share\/edk2\/x64.*\); install it: sudo apt-get install ovmf \(or pass --ovmf PATH\)$/.test(
          e.message,
        ),
    );
  });
});
