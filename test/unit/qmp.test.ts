// QMP client framing against an in-process fake server (the real QEMU is in test/targets).
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { QmpClient, QmpError, QmpEvent } from '../../extension/src/target/qmp';

const GREETING = { QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 } }, capabilities: ['oob'] } };

type Handler = (msg: { execute: string; id?: string; arguments?: unknown }, sock: net.Socket) => void;

// A server speaking QMP line framing; `handler` answers each command. It can split writes to
// exercise reassembly.
function fakeServer(
  handler: Handler,
  opts: { greeting?: boolean } = {},
): Promise<{ server: net.Server; path: string; received: unknown[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uefi-hv-qmp-'));
  const sockPath = path.join(dir, 'qmp.sock');
  const received: unknown[] = [];
  const server = net.createServer((sock) => {
    if (opts.greeting !== false) sock.write(JSON.stringify(GREETING) + '\r\n');
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        received.push(msg);
        if (msg.execute === 'qmp_capabilities')
          sock.write(JSON.stringify({ return: {}, id: msg.id }) + '\r\n');
        else handler(msg, sock);
      }
    });
  });
  server.on('close', () => fs.rmSync(dir, { recursive: true, force: true }));
  return new Promise((r) => server.listen(sockPath, () => r({ server, path: sockPath, received })));
}

function closeServer(s: net.Server): Promise<void> {
  return new Promise((r) => s.close(() => r()));
}

describe('QMP client', () => {
  it('reads the greeting, negotiates capabilities, matches replies by id even out of order', async () => {
    const pending: { id: string; execute: string }[] = [];
    const {
      server,
      path: p,
      received,
    } = await fakeServer((msg, sock) => {
      pending.push(msg as { id: string; execute: string });
      if (pending.length === 2) {
        // Answer the second first, split across writes in the middle of the JSON.
        const second =
          JSON.stringify({ return: { status: 'running', running: true }, id: pending[1].id }) + '\r\n';
        sock.write(second.slice(0, 10));
        setTimeout(() => {
          sock.write(second.slice(10) + JSON.stringify({ return: {}, id: pending[0].id }) + '\r\n');
        }, 20);
      }
    });
    const qmp = new QmpClient({ timeoutMs: 2000 });
    await qmp.connect({ path: p });
    assert.deepStrictEqual(qmp.greeting, GREETING);
    const [stop, status] = await Promise.all([qmp.execute('stop'), qmp.execute('query-status')]);
    assert.deepStrictEqual(stop, {});
    assert.deepStrictEqual(status, { status: 'running', running: true });
    assert.strictEqual((received[0] as { execute: string }).execute, 'qmp_capabilities');
    const ids = received.map((m) => (m as { id: string }).id);
    assert.strictEqual(new Set(ids).size, ids.length, 'every request has its own id');
    await qmp.close();
    await closeServer(server);
  });

  it('passes arguments and turns QMP errors into QmpError with the error class', async () => {
    const {
      server,
      path: p,
      received,
    } = await fakeServer((msg, sock) => {
      sock.write(
        JSON.stringify({
          error: { class: 'CommandNotFound', desc: 'The command nope has not been found' },
          id: msg.id,
        }) + '\n',
      );
    });
    const qmp = new QmpClient();
    await qmp.connect({ path: p });
    await assert.rejects(qmp.execute('nope', { x: 1 }), (e: unknown) => {
      assert.ok(e instanceof QmpError);
      assert.strictEqual(e.errorClass, 'CommandNotFound');
      assert.strictEqual(e.message, 'QMP nope: The command nope has not been found');
      return true;
    });
    assert.deepStrictEqual((received[1] as { arguments: unknown }).arguments, { x: 1 });
    await qmp.close();
    await closeServer(server);
  });

  it('emits events (generic and by name) between replies', async () => {
    const { server, path: p } = await fakeServer((msg, sock) => {
      sock.write(
        JSON.stringify({
          timestamp: { seconds: 1, microseconds: 2 },
          event: 'RESET',
          data: { guest: false, reason: 'host-qmp-system-reset' },
        }) + '\r\n',
      );
      sock.write(JSON.stringify({ return: {}, id: msg.id }) + '\r\n');
    });
    const qmp = new QmpClient();
    const all: QmpEvent[] = [];
    qmp.on('event', (e: QmpEvent) => all.push(e));
    const reset = new Promise<QmpEvent>((r) => qmp.once('RESET', r));
    await qmp.connect({ path: p });
    await qmp.execute('system_reset');
    const ev = await reset;
    assert.deepStrictEqual(ev.data, { guest: false, reason: 'host-qmp-system-reset' });
    assert.strictEqual(all.length, 1);
    await qmp.close();
    await closeServer(server);
  });

  it('times out one request without disturbing the next', async () => {
    let n = 0;
    const { server, path: p } = await fakeServer((msg, sock) => {
      if (n++ > 0) sock.write(JSON.stringify({ return: { ok: 1 }, id: msg.id }) + '\n');
    });
    const qmp = new QmpClient();
    await qmp.connect({ path: p });
    await assert.rejects(qmp.execute('query-status', undefined, 100), {
      message: 'QMP query-status: no reply within 100 ms',
    });
    assert.deepStrictEqual(await qmp.execute('query-status'), { ok: 1 });
    await qmp.close();
    await closeServer(server);
  });

  it('fails pending requests when the connection drops, and later ones at once', async () => {
    const { server, path: p } = await fakeServer((_msg, sock) => sock.destroy());
    const qmp = new QmpClient();
    const closed = new Promise<void>((r) => qmp.once('close', () => r()));
    await qmp.connect({ path: p });
    await assert.rejects(qmp.execute('cont'), /QMP cont: QMP connection closed/);
    await closed;
    assert.strictEqual(qmp.connected, false);
    await assert.rejects(qmp.execute('cont'), /not connected/);
    await closeServer(server);
  });

  it('gives up when no greeting arrives', async () => {
    const { server, path: p } = await fakeServer(() => undefined, { greeting: false });
    const qmp = new QmpClient({ timeoutMs: 150 });
    await assert.rejects(qmp.connect({ path: p }), { message: 'no QMP greeting within 150 ms' });
    await qmp.close();
    await closeServer(server);
  });

  it('works over TCP too', async () => {
    const server = net.createServer((sock) => {
      sock.write(JSON.stringify(GREETING) + '\r\n');
      sock.on('data', (d) => {
        for (const line of d.toString().split('\n').filter(Boolean)) {
          const msg = JSON.parse(line);
          sock.write(JSON.stringify({ return: {}, id: msg.id }) + '\r\n');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const qmp = new QmpClient();
    await qmp.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    assert.deepStrictEqual(await qmp.execute('cont'), {});
    await qmp.close();
    await closeServer(server);
  });
});
