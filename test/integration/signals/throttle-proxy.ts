/**
 * A TCP proxy on 127.0.0.1 that forwards to `target` (host:port) at most `bytesPerSecond` in each
 * direction, and counts the bytes: slow enough that a test can signal a step mid-transfer.
 *
 *   startThrottleProxy(target, bytesPerSecond) → Promise<ThrottleProxy { host, uploaded(), downloaded(), stop() }>
 */
import net, { type AddressInfo, type Socket } from 'node:net';

export interface ThrottleProxy {
  /** `127.0.0.1:PORT`, for a repository name. */
  readonly host: string;
  /** Bytes the clients sent upstream so far. */
  uploaded(): number;
  /** Bytes the upstream sent back so far. */
  downloaded(): number;
  stop(): Promise<void>;
}

/** Pipes `from` into `to`, pausing after each chunk for as long as the rate says it took. */
function throttle(from: Socket, to: Socket, bytesPerSecond: number, count: (n: number) => void): void {
  from.on('data', (chunk: Buffer) => {
    count(chunk.length);
    to.write(chunk);
    from.pause();
    setTimeout(() => from.resume(), (chunk.length / bytesPerSecond) * 1000);
  });
  from.on('end', () => to.end());
  from.on('error', () => to.destroy());
  from.on('close', () => to.destroy());
}

export async function startThrottleProxy(target: string, bytesPerSecond: number): Promise<ThrottleProxy> {
  const [targetHost, targetPort] = target.split(':') as [string, string];
  const sockets = new Set<Socket>();
  let up = 0;
  let down = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(targetPort), targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    throttle(client, upstream, bytesPerSecond, (n) => (up += n));
    throttle(upstream, client, bytesPerSecond, (n) => (down += n));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    uploaded: () => up,
    downloaded: () => down,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
