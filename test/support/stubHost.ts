// The host-built stub (hv-driver/build/host/stub_host: the real stub code over a canned target)
// behind a TCP port on 127.0.0.1: one stub process per connection, its stdin/stdout as the socket,
// which is what a serial line looks like to the stub. Built first (make is incremental).
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as net from 'net';
import * as path from 'path';

export interface StubHostServer {
  port: number;
  /** Kills the stub process of every connection and stops listening. */
  close(): void;
}

export async function serveStubHost(root: string): Promise<StubHostServer> {
  execFileSync('make', ['-s', '-C', path.join(root, 'hv-driver'), '-j2', 'stub-host']);
  const binary = path.join(root, 'hv-driver/build/host/stub_host');
  const stubs = new Set<ChildProcess>();
  const server = net.createServer((sock) => {
    const stub = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    stubs.add(stub);
    stub.on('exit', () => stubs.delete(stub));
    sock.pipe(stub.stdin!);
    stub.stdout!.pipe(sock);
    stub.stdin!.on('error', () => undefined); // the stub may exit first
    sock.on('close', () => stub.kill());
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of stubs) s.kill();
      server.close();
    },
  };
}
