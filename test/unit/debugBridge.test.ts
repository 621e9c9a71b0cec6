// The debug bridge between an emulator's COM2 server and a debugger, over real local sockets:
// what it keeps while no debugger is attached, and what it relays once one is.
import * as assert from 'assert';
import * as net from 'net';
import { DebugBridge } from '../../extension/src/target/debugBridge';

function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

describe('debug bridge (emulator COM2 server <-> debugger)', () => {
  let emulator: net.Server;
  let com2: net.Socket | undefined;
  let bridge: DebugBridge;
  let debuggerSide: net.Socket | undefined;
  let received = '';

  beforeEach(async () => {
    received = '';
    emulator = net.createServer((s) => (com2 = s));
    await new Promise<void>((r) => emulator.listen(0, '127.0.0.1', () => r()));
    const emulatorPort = (emulator.address() as net.AddressInfo).port;
    bridge = new DebugBridge({ emulatorPort, listenPort: 0 });
    await bridge.start();
    await until(() => com2 !== undefined, 'the bridge to reach the emulator');
  });
  afterEach(async () => {
    debuggerSide?.destroy();
    await bridge.close();
    com2?.destroy();
    com2 = undefined;
    await new Promise<void>((r) => emulator.close(() => r()));
  });

  async function attach(): Promise<net.Socket> {
    const s = net.createConnection({ host: '127.0.0.1', port: bridge.port });
    s.on('data', (d: Buffer) => (received += d.toString('latin1')));
    await new Promise<void>((r) => s.once('connect', () => r()));
    debuggerSide = s;
    return s;
  }

  it("drops the firmware's console echo kept before a debugger attached (a '-' would be a NAK)", async () => {
    com2!.write('Shell> echo a-b\r\nfs0:\\> -\r\n');
    await new Promise((r) => setTimeout(r, 100)); // kept by the bridge, nobody attached
    await attach();
    com2!.write('$OK#9a');
    await until(() => received.includes('#9a'), 'the packet');
    assert.strictEqual(received, '$OK#9a');
  });

  it('hands a new debugger the packet the stub was sending, from its last $ on', async () => {
    com2!.write('noise - more noise $T05#b9');
    await new Promise((r) => setTimeout(r, 100));
    await attach();
    await until(() => received.includes('#b9'), 'the kept packet');
    assert.strictEqual(received, '$T05#b9');
  });

  it('relays both ways verbatim once attached, acks and Ctrl-C included', async () => {
    const s = await attach();
    let toEmulator = '';
    com2!.on('data', (d: Buffer) => (toEmulator += d.toString('latin1')));
    s.write('+$qC#b4\x03');
    com2!.write('+-$QC1#c5');
    await until(() => toEmulator.length === 8 && received.length === 9, 'both directions');
    assert.strictEqual(toEmulator, '+$qC#b4\x03');
    assert.strictEqual(received, '+-$QC1#c5');
  });
});
