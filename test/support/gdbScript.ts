// The opening of every gdb script the target tests run against the hypervisor's stub (Bochs) and
// the load-path stub (QEMU TCG): the same commands, so the two runs are the same script.
export function gdbAttachLines(symbolsDir: string, port: number): string[] {
  return [
    'set pagination off',
    'set confirm off',
    'set sysroot', // the driver's symbols come from qXfer:libraries, found in symbolsDir
    `set solib-search-path ${symbolsDir}`,
    'set remotetimeout 20',
    `target remote 127.0.0.1:${port}`,
    'echo @@attached\\n',
    'info threads',
    'sharedlibrary',
    'info sharedlibrary',
  ];
}
