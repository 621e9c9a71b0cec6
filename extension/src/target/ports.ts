// Fresh TCP ports per run: the kernel picks a free ephemeral port (bind to 0); a process-wide set
// keeps one process from handing the same port out twice while emulators are still starting.
import * as net from 'net';

const handedOut = new Set<number>();

function askKernel(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await askKernel(host);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free TCP port found');
}

// Let a port go back to the pool once the run that used it is over.
export function releasePort(port: number): void {
  handedOut.delete(port);
}
