// Text helpers shared by the EDK2 parsers: decoding, comment stripping, field splitting.
// Pure functions over strings; nothing here knows about VS Code.

/** Decodes an EDK2 file's bytes. .uni files are often UTF-16LE with a BOM; everything else is UTF-8/ASCII. */
export function decodeEdk2Text(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return Buffer.from(bytes.buffer, bytes.byteOffset + 2, bytes.length - 2).toString('utf16le');
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return Buffer.from(bytes.buffer, bytes.byteOffset + 3, bytes.length - 3).toString('utf8');
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
}

export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Index of the `#` that starts a comment, ignoring `#` inside "..." or '...' strings; -1 if none. */
export function commentStart(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#') {
      return i;
    }
  }
  return -1;
}

/** The line without its comment and trailing blanks. */
export function stripComment(line: string): string {
  const at = commentStart(line);
  return (at < 0 ? line : line.slice(0, at)).trimEnd();
}

/** The comment text of a line (without the leading #s), or undefined. */
export function commentText(line: string): string | undefined {
  const at = commentStart(line);
  if (at < 0) return undefined;
  return line
    .slice(at)
    .replace(/^#+\s?/, '')
    .trimEnd();
}

/** Splits on `sep` outside strings, braces and parentheses: `a|{1|2}|"x|y"` gives three fields. */
export function splitFields(text: string, sep = '|'): string[] {
  const fields: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '(') depth++;
    else if ((c === '}' || c === ')') && depth > 0) depth--;
    else if (c === sep && depth === 0) {
      fields.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  fields.push(text.slice(start).trim());
  return fields;
}
