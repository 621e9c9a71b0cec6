// Bad input gets a clear error, never a crash: the TypeScript decoders fed mutated replies from the
// shared vectors (seeded, reproducible), and the frame decoder fed random bytes. A decoder may
// return or throw DecodeError / HvError / ProtocolError; any other exception is a defect.
import * as assert from 'assert';
import {
  DecodeError,
  HvError,
  decodeConsoleOutput,
  decodeEptWalk,
  decodeExitBreakpoints,
  decodeExitCounters,
  decodeGuestRegisters,
  decodeGvaWalk,
  decodeInfo,
  decodeMemory,
  decodeStopReply,
  decodeVmcsAll,
  decodeVmcsValues,
} from '../../debug-adapter/src/rsp/hvPackets';
import { FrameDecoder, ProtocolError, expandRle, unescapeBinary } from '../../debug-adapter/src/rsp/packet';
import { ofKind, text } from './rspVectors';

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const ALPHABET = '0123456789abcdefABCDEFxyz,;:=-.E \x00\xff';

function mutate(s: string, rnd: () => number): string {
  let out = s;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (out.length + 1));
    const c = ALPHABET[Math.floor(rnd() * ALPHABET.length)];
    const op = rnd();
    if (op < 0.4) out = out.slice(0, at) + c + out.slice(at + 1);
    else if (op < 0.7) out = out.slice(0, at) + c + out.slice(at);
    else out = out.slice(0, at) + out.slice(at + 1);
  }
  return out;
}

const DECODERS: Array<[string, (s: string) => unknown]> = [
  ['info', decodeInfo],
  ['vmcs-all', decodeVmcsAll],
  ['vmcs-values', (s) => decodeVmcsValues([0x4402, 0x6400, 0x681e], s)],
  ['gregs', decodeGuestRegisters],
  ['ept', decodeEptWalk],
  ['gva', decodeGvaWalk],
  ['memory', (s) => decodeMemory(s)],
  ['exits', decodeExitCounters],
  ['exitbp', decodeExitBreakpoints],
  ['stop', decodeStopReply],
  ['console', decodeConsoleOutput],
];

describe('decoders under mutated input', () => {
  const seeds = [...ofKind('xchg'), ...ofKind('stop')]
    .map((v) => text(v.cols[1]))
    .filter((s) => s.length < 2000);

  for (const [name, decode] of DECODERS) {
    it(`${name}: returns or throws a protocol error`, () => {
      const rnd = prng(0x5eed + name.length);
      for (let i = 0; i < 3000; i++) {
        const input = mutate(seeds[Math.floor(rnd() * seeds.length)], rnd);
        try {
          decode(input);
        } catch (e) {
          assert.ok(
            e instanceof DecodeError || e instanceof HvError,
            `${name}(${JSON.stringify(input)}): ${e}`,
          );
        }
      }
    });
  }

  it('frame decoder, RLE and unescape: random bytes never crash', () => {
    const rnd = prng(42);
    const d = new FrameDecoder();
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(
        Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)),
      );
      d.feed(bytes);
      for (const f of [expandRle, unescapeBinary]) {
        try {
          f(bytes);
        } catch (e) {
          assert.ok(e instanceof ProtocolError, String(e));
        }
      }
    }
  });
});
