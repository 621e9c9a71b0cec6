// The driver builds two ways from one source list: the standalone Makefile takes every .c/.nasm in
// DRIVER_DIRS, EDK2 takes the .inf [Sources]. This keeps the two in step (a file added to one
// build only would otherwise show up as a link error in the other, much later).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { DRIVER_DIR } from '../support/edk2';

function makeVariable(makefile: string, name: string): string[] {
  const m = new RegExp(`^${name}\\s*:=\\s*(.*)$`, 'm').exec(makefile);
  assert.ok(m, `${name} not found in the Makefile`);
  return m[1].trim().split(/\s+/);
}

function infSources(inf: string): string[] {
  const text = fs.readFileSync(path.join(DRIVER_DIR, inf), 'utf8');
  const section = /^\[Sources\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text);
  assert.ok(section, `${inf} has no [Sources]`);
  return section[1]
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0)
    .filter((l) => !l.startsWith('edk2/')); // the EDK2 entry glue exists only there
}

describe('hv-driver: one source list for both builds', () => {
  const makefile = fs.readFileSync(path.join(DRIVER_DIR, 'Makefile'), 'utf8');

  it('HvDxe.inf [Sources] = every .c/.nasm in the Makefile DRIVER_DIRS and DEBUG_GROUP_DIRS', () => {
    // DEBUG_GROUP_DIRS: the debug stub's folders, linked as one group (its breakpoint-free range).
    const dirs = [...makeVariable(makefile, 'DRIVER_DIRS'), ...makeVariable(makefile, 'DEBUG_GROUP_DIRS')];
    const fromMake = dirs.flatMap((dir) =>
      fs
        .readdirSync(path.join(DRIVER_DIR, dir))
        .filter((f) => /\.(c|nasm)$/.test(f))
        .map((f) => `${dir}/${f}`),
    );
    assert.deepStrictEqual(infSources('HvDxe.inf').sort(), fromMake.sort());
  });

  // EDK2 names each object after its source's folder and base name without the extension, so
  // vmx/host.c and vmx/host.nasm would both become vmx/host.obj and one would silently drop out
  // of the link (seen: undefined references to the C half).
  it('no two HvDxe.inf sources in one folder share a base name', () => {
    const objects = infSources('HvDxe.inf').map((f) => f.replace(/\.[^./]+$/, ''));
    const twice = objects.filter((o, i) => objects.indexOf(o) !== i);
    assert.deepStrictEqual(twice, [], `sources that map to the same .obj: ${twice.join(', ')}`);
  });

  it('HvLoader.inf [Sources] = the Makefile LOADER_SRCS', () => {
    assert.deepStrictEqual(infSources('HvLoader.inf').sort(), makeVariable(makefile, 'LOADER_SRCS').sort());
  });
});
