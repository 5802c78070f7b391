// Build-time stand-in for `https-proxy-agent`: axios imports it for its own proxy support, which
// HttpTransport turns off (`proxy: false`; our agents apply HTTPS_PROXY). Loading the real one
// (agent-base, debug, supports-color) cost ~9 ms of every check. axios only tests `instanceof`
// against it on the path we switch off; constructing one means that path was reached after all.
export default class HttpsProxyAgent {
  constructor() {
    throw new Error('https-proxy-agent is not bundled: axios proxying is off, HttpTransport applies proxies');
  }
}
