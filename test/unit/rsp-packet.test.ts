// RSP framing in TypeScript against the vectors the C stub runs too, plus the endpoint's
// acknowledgment and retransmission rules (PROTOCOL.md section 2) on a hand-driven clock.
import * as assert from 'assert';
import {
  Clock,
  FrameDecoder,
  FrameEvent,
  LinkError,
  RspEndpoint,
  encodeFrame,
  escapeBinary,
  expandRle,
  unescapeBinary,
} from '../../debug-adapter/src/rsp/packet';
import { parseHexU64 } from '../../debug-adapter/src/rsp/hvPackets';
import { ofKind, text } from './rspVectors';

/** Events and answers the way the vectors write them. */
function describe_(events: FrameEvent[]): { events: string; answers: string } {
  const ev: string[] = [];
  let answers = '';
  for (const e of events) {
    if (e.kind === 'packet') {
      ev.push('pkt:' + text(e.payload));
      answers += '+';
    } else if (e.kind === 'bad') {
      ev.push('nak');
      answers += '-';
    } else if (e.kind === 'big') {
      ev.push('big');
      answers += '+';
    } else if (e.kind === 'interrupt') ev.push('intr');
    else ev.push(e.kind);
  }
  return { events: ev.join(' '), answers };
}

class FakeClock implements Clock {
  now = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private id = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    this.timers.set(++this.id, { at: this.now + ms, fn });
    return this.id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at);
      if (!due.length) break;
      const [id, t] = due[0];
      this.timers.delete(id);
      this.now = t.at;
      t.fn();
    }
    this.now = end;
  }
}

describe('RSP framing (shared vectors)', () => {
  const rx = ofKind('rx');
  it('has framing vectors to run', () => assert.ok(rx.length >= 20, `only ${rx.length} rx vectors`));
  for (const v of rx) {
    it(`rx ${v.name}`, () => {
      // The receive state machine does not expand run-length encoding: the rx vectors are what a
      // stub receives from gdb. Whole stream, then byte by byte: chunking must not matter.
      const whole = describe_(new FrameDecoder({ expandRle: false }).feed(v.cols[0]));
      assert.strictEqual(whole.events, text(v.cols[1]));
      assert.strictEqual(whole.answers, text(v.cols[2]));
      const d = new FrameDecoder({ expandRle: false });
      const bytewise: FrameEvent[] = [];
      for (const b of v.cols[0]) bytewise.push(...d.feed(Buffer.from([b])));
      assert.deepStrictEqual(describe_(bytewise), whole);
    });
  }
  for (const v of ofKind('rle')) {
    it(`rle ${v.name}`, () => assert.strictEqual(text(expandRle(v.cols[1])), text(v.cols[0])));
  }
  for (const v of ofKind('esc')) {
    it(`esc ${v.name}`, () => {
      assert.deepStrictEqual(escapeBinary(v.cols[0]), v.cols[1]);
      assert.deepStrictEqual(unescapeBinary(v.cols[1]), v.cols[0]);
    });
  }
  for (const v of ofKind('hex')) {
    it(`hex ${v.name}`, () => {
      let got: string;
      try {
        got = parseHexU64(text(v.cols[0])).toString(16);
      } catch {
        got = 'error';
      }
      assert.strictEqual(got, text(v.cols[1]));
    });
  }
});

describe('RSP framing (edge cases)', () => {
  it('frames a payload with its checksum', () => {
    assert.strictEqual(text(encodeFrame('qHv.info')), '$qHv.info#09');
    assert.strictEqual(text(encodeFrame('')), '$#00');
  });
  it('expands run-length encoding of a stub frame (the C session test bytes)', () => {
    const events = new FrameDecoder().feed(
      Buffer.from('$T05thread:1;06:007fe4070*"00;07:807ee4070*"00;10:34b2e1070*"00;#f1', 'latin1'),
    );
    assert.strictEqual(events.length, 1);
    assert.ok(events[0].kind === 'packet');
    assert.strictEqual(
      text(events[0].payload),
      'T05thread:1;06:007fe40700000000;07:807ee40700000000;10:34b2e10700000000;',
    );
  });
  it('rejects malformed run-length encoding', () => {
    assert.throws(() => expandRle(Buffer.from('*!')), /no character/);
    assert.throws(() => expandRle(Buffer.from('0*')), /without a count/);
    assert.throws(() => expandRle(Buffer.from('0*\x1f')), /out of range/);
    // An intact frame that does not decode is answered '-' (sent again), never delivered.
    const ev = new FrameDecoder().feed(encodeFrame('*!'));
    assert.deepStrictEqual(ev, [{ kind: 'bad' }]);
  });
  it('rejects a lone escape at the end of binary data', () => {
    assert.throws(() => unescapeBinary(Buffer.from('ab}')), /lone escape/);
  });
});

describe('RspEndpoint', () => {
  function setup(options = {}) {
    const clock = new FakeClock();
    const wrote: string[] = [];
    const ep = new RspEndpoint((b) => wrote.push(text(b)), {
      clock,
      ackTimeoutMs: 100,
      retries: 3,
      ...options,
    });
    const packets: string[] = [];
    ep.onPacket = (p) => packets.push(text(p));
    return { clock, wrote, ep, packets };
  }

  it('acknowledges good packets and asks again for damaged ones', () => {
    const { ep, wrote, packets } = setup();
    ep.receive(Buffer.from('$OK#9a$OK#9b'));
    assert.deepStrictEqual(packets, ['OK']);
    assert.deepStrictEqual(wrote, ['+', '-']);
    assert.strictEqual(ep.stats.badPackets, 1);
  });

  it('resolves a send on "+", retransmits on "-"', async () => {
    const { ep, wrote } = setup();
    const sent = ep.send('qHv.info');
    ep.receive(Buffer.from('-'));
    ep.receive(Buffer.from('+'));
    await sent;
    assert.deepStrictEqual(wrote, ['$qHv.info#09', '$qHv.info#09']);
    assert.strictEqual(ep.stats.retransmits, 1);
  });

  it('retransmits on timeout and gives up after the configured transmissions', async () => {
    const { ep, wrote, clock } = setup();
    const sent = ep.send('g');
    clock.advance(99);
    assert.strictEqual(wrote.length, 1);
    clock.advance(1);
    assert.strictEqual(wrote.length, 2);
    clock.advance(200);
    await assert.rejects(sent, LinkError);
    assert.strictEqual(wrote.length, 3);
  });

  it('takes a packet from the peer as the lost acknowledgment of ours', async () => {
    const { ep, packets, clock, wrote } = setup();
    const sent = ep.send('g');
    ep.receive(Buffer.from('$OK#9a'));
    await sent;
    clock.advance(1000);
    assert.deepStrictEqual(packets, ['OK']);
    assert.deepStrictEqual(wrote, ['$g#67', '+']);
  });

  it('sends queued packets one at a time, in order', async () => {
    const { ep, wrote } = setup();
    const a = ep.send('a');
    const b = ep.send('b');
    assert.deepStrictEqual(wrote, ['$a#61']);
    ep.receive(Buffer.from('+'));
    await a;
    assert.deepStrictEqual(wrote, ['$a#61', '$b#62']);
    ep.receive(Buffer.from('+'));
    await b;
  });

  it('sends Ctrl-C as a bare 0x03 and reports one received', () => {
    const { ep, wrote } = setup();
    let interrupts = 0;
    ep.onInterrupt = () => interrupts++;
    ep.interrupt();
    ep.receive(Buffer.from([3]));
    assert.deepStrictEqual(wrote, ['\x03']);
    assert.strictEqual(interrupts, 1);
  });

  it('refuses a packet larger than the limit and fails pending sends on close', async () => {
    const { ep } = setup();
    await assert.rejects(ep.send('x'.repeat(4097)), /exceeds/);
    const p = ep.send('g');
    ep.close('target reset');
    await assert.rejects(p, /target reset/);
  });

  it('acknowledges an oversized packet and reports it', () => {
    const { ep, wrote, packets } = setup();
    const lengths: number[] = [];
    ep.onOversized = (n) => lengths.push(n);
    ep.receive(encodeFrame('a'.repeat(5000)));
    assert.deepStrictEqual(lengths, [5000]);
    assert.deepStrictEqual(packets, []);
    assert.deepStrictEqual(wrote, ['+']);
  });
});
