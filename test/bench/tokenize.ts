// Benchmark: time to tokenize a generated 5,000-line .dsc with our grammar (vscode-textmate + Oniguruma,
// as in VS Code). Prints the first-run time (fresh registry: grammar loading and regex compilation
// included) and the median of warm runs, wall clock and CPU time (the CPU figure is the one that
// holds on a busy machine). Goal: under 500 ms. Usage: node out/test/bench/tokenize.js [lines] [runs]
import { performance } from 'perf_hooks';
import { createRegistry, loadGrammar, tokenizeLines } from '../grammars/tokenizer';

/** A platform description of `target` lines that uses every construct the grammar knows. */
export function generateDsc(target: number): string[] {
  const lines = [
    '## @file',
    '#  Generated platform for the tokenizer benchmark.',
    '##',
    '[Defines]',
    '  PLATFORM_NAME           = BenchPkg',
    '  PLATFORM_GUID           = 0b5e2f8a-4c1d-4e7b-9a3f-6d2c8e1b7a40',
    '  DSC_SPECIFICATION       = 0x0001001C',
    '  OUTPUT_DIRECTORY        = Build/BenchPkg',
    '  SUPPORTED_ARCHITECTURES = X64|IA32',
    '  BUILD_TARGETS           = DEBUG|RELEASE|NOOPT',
    '  DEFINE BENCH_ROOT       = BenchPkg',
    '',
  ];
  for (let block = 0; lines.length < target; block++) {
    const chunk = [
      `[LibraryClasses.common.${block % 2 ? 'DXE_DRIVER' : 'UEFI_DRIVER'}]`,
      `  Lib${block}A|$(BENCH_ROOT)/Library/Lib${block}A/Lib${block}A.inf`,
      `  Lib${block}B|MdePkg/Library/Lib${block}B/Lib${block}B.inf   # instance ${block}`,
      `!if $(TARGET) == "DEBUG" && $(BENCH_FLAG${block}) == TRUE`,
      `  DEBUG_LIB${block}|MdePkg/Library/BaseDebugLibSerialPort/BaseDebugLibSerialPort.inf`,
      '!else',
      `  DEBUG_LIB${block}|MdePkg/Library/BaseDebugLibNull/BaseDebugLibNull.inf`,
      '!endif',
      '',
      `[PcdsFixedAtBuild.X64]`,
      `  gBenchTokenSpaceGuid.PcdValue${block}|0x${(block * 4099).toString(16).padStart(8, '0')}`,
      `  gBenchTokenSpaceGuid.PcdName${block}|L"bench-${block}"`,
      `  gBenchTokenSpaceGuid.PcdBytes${block}|{0x${block % 256}, 0x01, 0x02, 0x03}`,
      '',
      '[Components.X64]',
      `  $(BENCH_ROOT)/Driver${block}/Driver${block}.inf {`,
      '    <LibraryClasses>',
      `      NULL|$(BENCH_ROOT)/Library/Hook${block}/Hook${block}.inf`,
      '    <PcdsFixedAtBuild>',
      `      gEfiMdePkgTokenSpaceGuid.PcdDebugPrintErrorLevel|0x${(0x80000040 + block).toString(16)}`,
      '    <BuildOptions>',
      `      GCC:*_*_X64_CC_FLAGS = -DBENCH_BLOCK=${block} -O2`,
      '  }',
      `  $(BENCH_ROOT)/App${block}/App${block}.inf`,
      '',
    ];
    lines.push(...chunk);
  }
  return lines.slice(0, target);
}

/** Wall and CPU milliseconds of one tokenization with a fresh registry. */
async function firstRun(lines: string[]): Promise<string> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  tokenizeLines(await loadGrammar('source.edk2.dsc', createRegistry()), lines);
  const cpu = process.cpuUsage(cpu0);
  return `${(performance.now() - t0).toFixed(1)} ms (CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms)`;
}

async function main(): Promise<void> {
  const lineCount = Number(process.argv[2] ?? 5000);
  const runs = Number(process.argv[3] ?? 9);
  const lines = generateDsc(lineCount);

  const engineStart = performance.now();
  await loadGrammar('source.edk2.uni', createRegistry()); // the Oniguruma WASM, loaded once per process
  const engineMs = performance.now() - engineStart;
  // A fresh registry recompiles every regex; the first one also pays for a cold JavaScript engine.
  const coldMs = await firstRun(lines);
  const freshMs = await firstRun(lines);

  const grammar = await loadGrammar('source.edk2.dsc', createRegistry());
  tokenizeLines(grammar, lines);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let tokens = 0;
  for (let i = 0; i < runs; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = tokenizeLines(grammar, lines);
    times.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
    tokens = result.reduce((n, l) => n + l.tokens.length, 0);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const cpuMedian = cpuTimes[Math.floor(cpuTimes.length / 2)];
  console.log(
    `tokenize ${lines.length}-line .dsc: median ${median.toFixed(1)} ms over ${runs} runs ` +
      `(min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}; CPU time median ${cpuMedian.toFixed(1)} ms; ` +
      `${tokens} tokens, ` +
      `${Math.round(lines.length / (median / 1000))} lines/s; goal < 500 ms)`,
  );
  console.log(
    `  first run with a fresh grammar: ${coldMs} in a cold process, ${freshMs} once ` +
      `the engine is warm (regex compilation included); Oniguruma load ${engineMs.toFixed(1)} ms`,
  );
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`bench failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
