// A TCP proxy on loopback that holds every chunk, in each direction, for `delayMs` before passing
// it on (so a round trip costs 2 × delayMs), like a registry on the far side of a real network.
// Order is kept: Node runs timers of the same duration in the order they were set.
import { createServer, connect } from 'node:net';

/** Starts a proxy to `target` ("127.0.0.1:port"); resolves to `{ host, stop }`. */
export async function startDelayProxy(target, delayMs = 10) {
  const [targetHost, targetPort] = target.split(':');
  const sockets = new Set();
  const relay = (from, to) => {
    let ended = false;
    from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), delayMs));
    // A clean end is passed on with end(), which flushes what `to` still buffers: destroying it
    // would cut a large body short (a blob the client reads more slowly than loopback sends it).
    from.on('end', () => {
      ended = true;
      setTimeout(() => to.end(), delayMs);
    });
    from.on('error', () => to.destroy());
    from.on('close', () => ended || setTimeout(() => to.destroy(), delayMs + 1));
  };
  const server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = connect({ host: targetHost, port: Number(targetPort), noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    // A TCP handshake costs a round trip before the first request can leave.
    client.pause();
    setTimeout(() => client.resume(), 2 * delayMs);
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${server.address().port}`,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
