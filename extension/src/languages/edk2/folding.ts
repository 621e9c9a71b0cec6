// Folding for EDK2 files: sections, !if...!endif, multi-line { } blocks (DSC component overrides, FDF
// FILE/APRIORI/DATA) and runs of comment lines. Returned as plain line ranges.
import { parseSections } from './sections';
import { commentStart, splitLines, stripComment } from './text';

export interface FoldingRegion {
  start: number;
  end: number;
  kind?: 'comment' | 'region';
}

export function foldingRegions(text: string | string[]): FoldingRegion[] {
  const lines = typeof text === 'string' ? splitLines(text) : text;
  const regions: FoldingRegion[] = [];
  for (const s of parseSections(lines)) {
    if (s.endLine > s.line) regions.push({ start: s.line, end: s.endLine });
  }
  const conditionals: number[] = [];
  const braces: number[] = [];
  let commentRun = -1;
  for (let i = 0; i < lines.length; i++) {
    const code = stripComment(lines[i]).trim();
    const isComment = code === '' && commentStart(lines[i]) >= 0;
    if (isComment && commentRun < 0) commentRun = i;
    if (!isComment && commentRun >= 0) {
      if (i - 1 > commentRun) regions.push({ start: commentRun, end: i - 1, kind: 'comment' });
      commentRun = -1;
    }
    if (/^!if(n?def)?\b/i.test(code)) conditionals.push(i);
    else if (/^!endif\b/i.test(code)) {
      const start = conditionals.pop();
      if (start !== undefined && i > start) regions.push({ start, end: i, kind: 'region' });
    }
    for (const c of code.replace(/"(?:\\.|[^"\\])*"/g, '')) {
      if (c === '{') braces.push(i);
      else if (c === '}') {
        const start = braces.pop();
        if (start !== undefined && i > start) regions.push({ start, end: i });
      }
    }
  }
  if (commentRun >= 0 && lines.length - 1 > commentRun) {
    regions.push({ start: commentRun, end: lines.length - 1, kind: 'comment' });
  }
  return regions.sort((a, b) => a.start - b.start || b.end - a.end);
}
