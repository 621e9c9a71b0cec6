// The link proxy's multiplexing with a real RSP server on the far side: the stub's session loop
// built for the host (hv-driver/build/host/stub_host, canned target) behind TCP, and a raw socket
// playing gdb on the near side. Adapter queries interleave with gdb's packets, wait while the
// target runs, and never leak into gdb's stream.
import * as assert from 'assert';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { openLink } from '../../debug-adapter/src/runtime/link';
import { LinkProxy } from '../../debug-adapter/src/runtime/linkProxy';
import { encodePacket, RspFramer } from '../../debug-adapter/src/runtime/rspFramer';
import { serveStubHost, StubHostServer } from '../support/stubHost';

const ROOT = path.resolve(__dirname, '../../..');
const STUB_HOST = path.join(ROOT, 'hv-driver/build/host/stub_host');
const RESULTS = path.join(process.env.HV_RESULTS_DIR ?? path.join(ROOT, 'test-results'), 'link-proxy');

// A minimal gdb: sends packets, collects what comes back, in ack mode like gdb before QStartNoAckMode.
class FakeGdbSide {
  private framer = new RspFramer();
  readonly packets: string[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      for (const item of this.framer.push(d)) {
        if (item.kind === 'packet') {
          sock.write('+');
          this.packets.push(item.data);
          this.waiters.splice(0).forEach((w) => w());
        }
      }
    });
  }
  send(data: string): void {
    this.sock.write(encodePacket(data));
  }
  async next(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.packets.length === 0) {
      if (Date.now() > deadline) throw new Error('gdb side: no packet');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.packets.shift()!;
  }
}

describe('link proxy against the stub session loop (host build, canned target)', function () {
  this.timeout(60_000);
  let stubHost: StubHostServer;
  let proxy: LinkProxy;
  let gdb: FakeGdbSide;

  before(async () => {
    stubHost = await serveStubHost(ROOT);
    fs.mkdirSync(RESULTS, { recursive: true });
    const link = await openLink({ kind: 'tcp', host: '127.0.0.1', port: stubHost.port }, 5000);
    proxy = new LinkProxy(link, { logFile: path.join(RESULTS, 'link.log') });
    const gdbPort = await proxy.listen();
    const sock = net.createConnection({ host: '127.0.0.1', port: gdbPort });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    gdb = new FakeGdbSide(sock);
  });
  after(() => {
    proxy.close();
    stubHost.close();
  });

  it('answers gdb and the adapter in order when both ask at once', async () => {
    gdb.send('qC');
    const info = proxy.query('qHv.info', 5000);
    const threads = proxy.query('qfThreadInfo', 5000);
    assert.strictEqual(await gdb.next(), 'QC1');
    assert.match(await info, /^proto:1;/);
    assert.strictEqual(await threads, 'm1,2,3');
    assert.strictEqual(gdb.packets.length, 0, 'no adapter reply leaked to gdb');
  });

  it('holds an adapter query while the target runs, answers it after the stop', async () => {
    gdb.send('c');
    await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(proxy.running, true);
    let answered = false;
    const q = proxy.query('qHv.info', 10_000).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.strictEqual(answered, false, 'no query on the link while the target runs');
    gdb.sock.write(Buffer.from([3])); // gdb's Ctrl-C
    const stop = await gdb.next();
    assert.match(stop, /^T02/);
    assert.match(await q, /^proto:1;/);
    assert.strictEqual(proxy.running, false);
  });

  it('a query that timed out does not hand its late reply to the next one', async () => {
    const first = await proxy.query('qHv.info', 0).catch((e: Error) => e.message);
    assert.ok(/^proto:1;/.test(first) || /no reply/.test(first), first);
    assert.strictEqual(await proxy.query('qfThreadInfo', 5000), 'm1,2,3');
    gdb.send('qC');
    assert.strictEqual(await gdb.next(), 'QC1');
  });

  it('counts bytes and logs every packet with its direction', async () => {
    assert.ok(proxy.counters.adapterToTarget > 0 && proxy.counters.toTarget > proxy.counters.adapterToTarget);
    const log = fs.readFileSync(path.join(RESULTS, 'link.log'), 'utf8');
    assert.match(log, /gdb> "\$qC#b4"/);
    assert.match(log, /hv> "\$qHv\.info#/);
    assert.match(log, /<tgt "\$QC1#c5"/);
  });
});

// The serial transport through the serialport package, on a pseudo-terminal: a small Python relay
// opens a pty pair, prints the device name, and moves bytes between the pty and stub_host.
const PTY_RELAY = `
import os, pty, subprocess, select, sys, tty
master, slave = pty.openpty()
tty.setraw(slave)
print(os.ttyname(slave), flush=True)
p = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
while p.poll() is None:
    r, _, _ = select.select([master, p.stdout], [], [], 0.5)
    if master in r:
        try:
            d = os.read(master, 4096)
        except OSError:
            d = b''
        if d:
            p.stdin.write(d)
    if p.stdout in r:
        d = os.read(p.stdout.fileno(), 4096)
        if not d:
            break
        os.write(master, d)
`;

describe('serial link (serialport on a pty) to the stub session loop', function () {
  this.timeout(60_000);
  let relay: ChildProcess | undefined;

  after(() => relay?.kill());

  it('opens serial:DEVICE@BAUD and exchanges packets through the proxy', async () => {
    execFileSync('make', ['-s', '-C', path.join(ROOT, 'hv-driver'), '-j2', 'stub-host']);
    relay = spawn('python3', ['-c', PTY_RELAY, STUB_HOST], { stdio: ['ignore', 'pipe', 'inherit'] });
    const device = await new Promise<string>((resolve, reject) => {
      let out = '';
      relay!.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      relay!.once('exit', (c) => reject(new Error(`pty relay exited (${c})`)));
    });
    assert.match(device, /^\/dev\/pts\/\d+$/);
    const link = await openLink({ kind: 'serial', device, baud: 115200 }, 5000);
    assert.strictEqual(link.description, `serial:${device}@115200`);
    const proxy = new LinkProxy(link);
    try {
      assert.match(await proxy.query('qHv.info', 5000), /^proto:1;/);
      assert.strictEqual(await proxy.query('qfThreadInfo', 5000), 'm1,2,3');
    } finally {
      proxy.close();
    }
  });
});
