// RspClient against an in-memory stub built from the same endpoint class (both sides real code, the
// "stub" answers from a table): request/reply pairing, console output, timeouts, resume + Ctrl-C.
import * as assert from 'assert';
import { RspClient, RspTimeoutError } from '../../debug-adapter/src/rsp/client';
import { RspEndpoint } from '../../debug-adapter/src/rsp/packet';

function pair(answer: (req: string, stub: RspEndpoint) => void, replyTimeoutMs = 1000) {
  // Each side writes into the other asynchronously, like a transport would.
  const wire: { toStub?: (b: Buffer) => void } = {};
  const client = new RspClient((b) => setImmediate(() => wire.toStub!(b)), { replyTimeoutMs });
  const stub = new RspEndpoint((b) => setImmediate(() => client.receive(b)));
  wire.toStub = (b) => stub.receive(b);
  let interrupts = 0;
  stub.onInterrupt = () => {
    interrupts++;
    void stub.send('T02thread:1;');
  };
  stub.onPacket = (p) => answer(p.toString('latin1'), stub);
  return { client, stub, interrupts: () => interrupts };
}

describe('RspClient', () => {
  it('pairs each request with its reply, in order', async () => {
    const { client } = pair((req, stub) => void stub.send(req === 'qC' ? 'QC1' : 'OK'));
    const [a, b] = await Promise.all([client.request('qC'), client.request('Hg1')]);
    assert.deepStrictEqual([a, b], ['QC1', 'OK']);
  });

  it('collects monitor output from O packets', async () => {
    const { client } = pair((_req, stub) => {
      void stub.send('O' + Buffer.from('cpu0 hypervisor\n').toString('hex'));
      void stub.send('O' + Buffer.from('cpu1 guest\n').toString('hex'));
      void stub.send('OK');
    });
    const seen: string[] = [];
    client.onOutput = (t) => seen.push(t);
    assert.strictEqual(await client.monitor('cpus'), 'cpu0 hypervisor\ncpu1 guest\n');
    assert.strictEqual(seen.length, 2);
  });

  it('throws the stub error of a monitor command', async () => {
    const { client } = pair((_req, stub) => void stub.send('E01'));
    await assert.rejects(client.monitor('vmcs'), /E01/);
  });

  it('times out when no reply comes, and the next request still works', async () => {
    let n = 0;
    const { client } = pair((_req, stub) => {
      if (n++ > 0) void stub.send('OK');
    }, 100);
    await assert.rejects(client.request('qHv.info'), RspTimeoutError);
    assert.strictEqual(await client.request('Hg1'), 'OK');
  });

  it('resumes and returns the stop reply that Ctrl-C causes', async () => {
    const { client, interrupts } = pair(() => {}); // 'c': the stub runs, says nothing
    const stopped = client.resume('c');
    await new Promise((r) => setTimeout(r, 50));
    client.interrupt();
    const stop = await stopped;
    assert.strictEqual(stop.signal, 2);
    assert.strictEqual(stop.cpu, 0);
    assert.strictEqual(interrupts(), 1);
  });

  it('fails the pending request when the link closes', async () => {
    const { client } = pair(() => {});
    const p = client.request('g');
    client.close('target reset');
    await assert.rejects(p, /target reset/);
  });
});
