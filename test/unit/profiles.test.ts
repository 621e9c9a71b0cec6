import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadProfiles, ProfileError } from '../../extension/src/target/profiles';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'uefi-hv-profiles-'));
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ProfileError, `expected ProfileError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('expected a ProfileError');
}

describe('boot profiles', () => {
  let dir: string;
  beforeEach(() => (dir = tmpDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads the built-in profiles with their defaults', () => {
    const set = loadProfiles();
    assert.deepStrictEqual([...set.profiles.keys()].sort(), ['bochs', 'qemu-kvm', 'qemu-tcg']);
    const bochs = set.get('bochs');
    assert.strictEqual(bochs.emulator, 'bochs');
    assert.strictEqual(bochs.cpus, 2);
    assert.strictEqual(bochs.bochs.ips, 20_000_000);
    assert.strictEqual(bochs.builtin, true);
    const kvm = set.get('qemu-kvm');
    assert.strictEqual(kvm.qemu.accel, 'kvm');
    assert.strictEqual(kvm.qemu.cpu, 'host,+vmx');
    assert.strictEqual(kvm.fallback, 'bochs');
    assert.strictEqual(set.get('qemu-tcg').qemu.accel, 'tcg');
  });

  it('names an unknown profile and lists the known ones', () => {
    const p = problems(() => loadProfiles().get('qemu-nope'));
    assert.deepStrictEqual(p, ["unknown profile 'qemu-nope' (have: bochs, qemu-kvm, qemu-tcg)"]);
  });

  it('reports malformed JSON with file, line and column', () => {
    const f = path.join(dir, 'bad.json');
    fs.writeFileSync(f, '{\n  "name": "bad",\n  "cpus": 2,\n}\n');
    const p = problems(() => loadProfiles({ userDirs: [dir] }));
    assert.strictEqual(p.length, 1);
    assert.match(
      p[0],
      new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid JSON: line 4 column 1: `),
    );
  });

  it('reports each schema violation as file: /json/path: problem, one per line', () => {
    const f = path.join(dir, 'wrong.json');
    fs.writeFileSync(
      f,
      JSON.stringify({
        name: 'wrong',
        description: 'x',
        emulator: 'vbox',
        cpus: 0,
        bochs: { ips: 'fast', colour: 1 },
      }),
    );
    const p = problems(() => loadProfiles({ userDirs: [dir] }));
    assert.deepStrictEqual(
      p.sort(),
      [
        `${f}: /bochs: unknown property 'colour'`,
        `${f}: /bochs/ips: must be integer`,
        `${f}: /cpus: must be >= 1`,
        `${f}: /emulator: must be one of "bochs", "qemu"`,
      ].sort(),
    );
    assert.ok(p.every((l) => !l.includes('\n')));
  });

  it('requires emulator or extends', () => {
    const f = path.join(dir, 'empty.json');
    fs.writeFileSync(f, JSON.stringify({ name: 'empty', description: 'nothing' }));
    assert.deepStrictEqual(
      problems(() => loadProfiles({ userDirs: [dir] })),
      [`${f}: /: needs "emulator" or "extends"`],
    );
  });

  it('lets a user profile extend a built-in one (objects merge, scalars replace)', () => {
    fs.writeFileSync(
      path.join(dir, 'big-bochs.json'),
      JSON.stringify({
        name: 'big-bochs',
        extends: 'bochs',
        description: 'four CPUs, slower clock',
        cpus: 4,
        bochs: { ips: 5_000_000 },
      }),
    );
    const set = loadProfiles({ userDirs: [dir] });
    const p = set.get('big-bochs');
    assert.strictEqual(p.emulator, 'bochs');
    assert.strictEqual(p.cpus, 4);
    assert.strictEqual(p.bochs.ips, 5_000_000);
    assert.strictEqual(p.bochs.cpuModel, 'corei7_skylake_x'); // kept from the base
    assert.strictEqual(p.memoryMiB, 512);
    assert.strictEqual(p.builtin, false);
    assert.strictEqual(set.get('bochs').cpus, 2); // the base is untouched
  });

  it('resolves a Bochs MSR file against the folder of the profile that names it', () => {
    const bochs = loadProfiles().get('bochs');
    assert.strictEqual(bochs.bochs.ignoreBadMsrs, false);
    assert.strictEqual(bochs.bochs.msrs, path.join(path.dirname(bochs.source), 'bochs-msrs.def'));
    assert.ok(fs.existsSync(bochs.bochs.msrs), 'the built-in MSR file ships with the profiles');
    fs.writeFileSync(
      path.join(dir, 'own-msrs.json'),
      JSON.stringify({ name: 'own-msrs', extends: 'bochs', description: 'x', bochs: { msrs: 'mine.def' } }),
    );
    fs.writeFileSync(
      path.join(dir, 'lenient.json'),
      JSON.stringify({ name: 'lenient', extends: 'bochs', description: 'y', bochs: { ignoreBadMsrs: true } }),
    );
    const set = loadProfiles({ userDirs: [dir] });
    assert.strictEqual(set.get('own-msrs').bochs.msrs, path.join(dir, 'mine.def'));
    assert.strictEqual(set.get('lenient').bochs.msrs, bochs.bochs.msrs); // inherited, still absolute
    assert.strictEqual(set.get('lenient').bochs.ignoreBadMsrs, true);
    assert.strictEqual(loadProfiles().get('qemu-tcg').bochs.ignoreBadMsrs, true); // Bochs' default
  });

  it('rejects extending an unknown profile and shadowing a built-in name', () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    fs.writeFileSync(a, JSON.stringify({ name: 'mine', extends: 'bosch', description: 'typo' }));
    fs.writeFileSync(b, JSON.stringify({ name: 'bochs', emulator: 'bochs', description: 'shadow' }));
    const p = problems(() => loadProfiles({ userDirs: [dir] }));
    assert.deepStrictEqual(p, [
      `${a}: /extends: no built-in profile 'bosch' (have: bochs, qemu-kvm, qemu-tcg)`,
      `${b}: /name: 'bochs' is a built-in profile; pick another name (use "extends" to start from it)`,
    ]);
  });

  it('names a profile folder that does not exist', () => {
    const missing = path.join(dir, 'nope');
    assert.deepStrictEqual(
      problems(() => loadProfiles({ userDirs: [missing] })),
      [`${missing}: profile folder does not exist`],
    );
  });
});
