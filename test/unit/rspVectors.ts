// Reader of the shared protocol test vectors (debug-adapter/protocol/vectors.txt, format in
// PROTOCOL.md section 7): the same file drives the C unit tests of the stub.
import * as fs from 'fs';
import * as path from 'path';

export interface Vector {
  kind: string;
  name: string;
  line: number;
  /** Unescaped columns, as bytes. */
  cols: Buffer[];
}

export const VECTORS_PATH = path.resolve(__dirname, '../../../debug-adapter/protocol/vectors.txt');

function unescapeColumn(raw: string, where: string): Buffer {
  const text = raw.trim();
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\') {
      out.push(text.charCodeAt(i));
      continue;
    }
    const n = text[++i];
    if (n === '\\' || n === '|') out.push(n.charCodeAt(0));
    else if (n === 's') out.push(0x20);
    else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (n === '{') {
      const m = /^\{(\d+)\*((?:[0-9a-fA-F]{2})+)\}/.exec(text.slice(i));
      if (!m) throw new Error(`${where}: bad repeat escape`);
      const pattern = Buffer.from(m[2], 'hex');
      for (let k = 0; k < Number(m[1]); k++) out.push(...pattern);
      i += m[0].length - 1;
    } else throw new Error(`${where}: bad escape "\\${n ?? ''}"`);
  }
  return Buffer.from(out);
}

/** Splits on bars that are not escaped. */
function splitColumns(rest: string): string[] {
  const cols: string[] = [];
  let cur = '';
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '\\' && i + 1 < rest.length) {
      cur += rest[i] + rest[i + 1];
      i++;
    } else if (rest[i] === '|') {
      cols.push(cur);
      cur = '';
    } else cur += rest[i];
  }
  cols.push(cur);
  return cols;
}

export function readVectors(file = VECTORS_PATH): Vector[] {
  const lines = fs.readFileSync(file, 'latin1').split(/\r?\n/);
  const out: Vector[] = [];
  lines.forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `vectors.txt:${idx + 1}`;
    const bar = line.indexOf('|');
    if (bar < 0) throw new Error(`${where}: no columns`);
    const [kind, name, ...extra] = line.slice(0, bar).trim().split(/\s+/);
    if (!kind || !name || extra.length) throw new Error(`${where}: expected "<kind> <name> | ..."`);
    const cols = splitColumns(line.slice(bar + 1)).map((c) => unescapeColumn(c, where));
    out.push({ kind, name, line: idx + 1, cols });
  });
  return out;
}

export function ofKind(kind: string): Vector[] {
  return readVectors().filter((v) => v.kind === kind);
}

export const text = (b: Buffer): string => b.toString('latin1');
