// @ts-check
/**
 * A loopback HTTP proxy in front of moto: it counts every AWS request by operation and can answer a
 * request itself with a fault moto cannot make (an error response, a connection reset, a hang). Given
 * as an HTTP proxy it forwards absolute-URL requests, and tunnels CONNECT to loopback (for HTTPS).
 */
const http = require('node:http');
const net = require('node:net');

/**
 * @typedef {object} SeenRequest
 * @property {string} method
 * @property {string} path
 * @property {string} operation  STS/IAM query Action, JSON target, or `S3:<METHOD>`
 * @property {Record<string, string>} params  decoded form body or query string
 * @property {string} body
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {{ status: number, body: string } | undefined} response  moto's answer, once forwarded
 * @property {string | undefined} upstreamError  why forwarding to moto failed (its error code), if it did;
 *   the client then sees its connection reset
 * @property {boolean} clientGone  the client closed its connection before the answer was relayed (it gave
 *   up on the request, e.g. its request timeout fired)
 * @property {boolean} viaProxy  sent to it as an HTTP proxy (absolute URL), not as an endpoint
 * @property {number} receivedAt  when the whole request had arrived (performance.now(), ms)
 * @property {number | undefined} answeredAt  when the answer was handed to the client, if it was
 */

/**
 * What to do with a request: forward it to moto (undefined), or answer with a fault.
 * @typedef {undefined
 *   | { status: number, body?: string, headers?: Record<string, string> }
 *   | { reset: true }
 *   | { hang: true }
 *   | { answerAfterMs: number }} Fault  the last: forwarded at once (moto acts on it), answered late
 */

/**
 * @typedef {object} FaultProxy
 * @property {string} url
 * @property {SeenRequest[]} requests   every request seen, in order
 * @property {(operation: string) => number} count
 * @property {((request: SeenRequest, index: number) => Fault) | undefined} fault  set to inject faults
 * @property {number} delayMs  added latency: every request waits this long before it is answered or
 *   forwarded (0, the default, for none; the benchmark sets it)
 * @property {string[]} tunnels  every CONNECT target (host:port), in order
 * @property {() => void} clear
 * @property {() => Promise<void>} close
 */

/** @param {string} path @param {string} body @param {import('node:http').IncomingHttpHeaders} headers */
function describe(path, body, headers) {
  const query = new URL(path, 'http://x').searchParams;
  const form = String(headers['content-type'] ?? '').includes('x-www-form-urlencoded')
    ? new URLSearchParams(body)
    : new URLSearchParams();
  /** @type {Record<string, string>} */
  const params = {};
  for (const [k, v] of query) params[k] = v;
  for (const [k, v] of form) params[k] = v;
  const target = headers['x-amz-target'];
  const operation = params.Action ?? (typeof target === 'string' ? target.split('.').pop() : undefined);
  return { params, operation };
}

/**
 * @param {string} target  moto's base URL
 * @returns {Promise<FaultProxy>}
 */
function startProxy(target) {
  const upstream = new URL(target);
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  /** @type {FaultProxy} */
  const proxy = {
    url: '',
    requests: [],
    count: (operation) => proxy.requests.filter((r) => r.operation === operation).length,
    fault: undefined,
    delayMs: 0,
    tunnels: [],
    clear: () => {
      proxy.requests.length = 0;
      proxy.tunnels.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const server = http.createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // As an HTTP proxy (http-proxy input) it is sent absolute URLs; as an endpoint, paths.
      const raw = req.url ?? '/';
      const viaProxy = /^https?:\/\//.test(raw);
      const path = viaProxy ? raw.replace(/^https?:\/\/[^/]+/, '') || '/' : raw;
      const text = body.toString('utf8');
      const { params, operation } = describe(path, text, req.headers);
      /** @type {SeenRequest} */
      const seen = {
        method: req.method ?? 'GET',
        path,
        operation: operation ?? `S3:${req.method}`,
        params,
        body: text,
        headers: req.headers,
        response: undefined,
        upstreamError: undefined,
        clientGone: false,
        viaProxy,
        receivedAt: performance.now(),
        answeredAt: undefined,
      };
      res.on('close', () => {
        if (!res.writableFinished) seen.clientGone = true;
      });
      res.on('finish', () => {
        seen.answeredAt = performance.now();
      });
      const index = proxy.requests.push(seen) - 1;
      const respond = () => {
        const fault = proxy.fault?.(seen, index);
        if (fault && 'reset' in fault) {
          req.socket.destroy();
          return;
        }
        if (fault && 'hang' in fault) return; // never answered; closed with the server
        if (fault && 'status' in fault) {
          res.writeHead(fault.status, { 'Content-Type': 'text/xml', ...fault.headers });
          res.end(fault.body ?? '');
          return;
        }
        const forward = http.request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path,
            headers: req.headers,
          },
          (answer) => {
            /** @type {Buffer[]} */
            const parts = [];
            answer.on('data', (part) => parts.push(part));
            answer.on('end', () => {
              const answered = Buffer.concat(parts);
              seen.response = { status: answer.statusCode ?? 502, body: answered.toString('utf8') };
              const relay = () => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                res.end(answered);
              };
              if (fault && 'answerAfterMs' in fault) setTimeout(relay, fault.answerAfterMs);
              else relay();
            });
          },
        );
        forward.on('error', (error) => {
          seen.upstreamError = /** @type {NodeJS.ErrnoException} */ (error).code ?? error.message;
          req.socket.destroy();
        });
        forward.end(body);
      };
      if (proxy.delayMs > 0) setTimeout(respond, proxy.delayMs);
      else respond();
    });
  });
  // HTTPS through the proxy: a CONNECT tunnel, to loopback only (tests never leave 127.0.0.1; the name
  // localhost is mapped here, never looked up).
  server.on('connect', (req, client, head) => {
    const targetHost = req.url ?? '';
    proxy.tunnels.push(targetHost);
    const [host, port] = targetHost.split(':');
    if ((host !== '127.0.0.1' && host !== 'localhost') || !port) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstreamSocket = net.connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstreamSocket.write(head);
      upstreamSocket.pipe(client);
      client.pipe(upstreamSocket);
    });
    sockets.add(upstreamSocket);
    upstreamSocket.on('close', () => sockets.delete(upstreamSocket));
    upstreamSocket.on('error', () => client.destroy());
    client.on('error', () => upstreamSocket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      resolve(proxy);
    });
  });
}

/** An STS-style XML error body. @param {string} code @param {string} message */
function stsError(code, message) {
  return (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
    `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>00000000-test</RequestId></ErrorResponse>`
  );
}

/** The text of the first `<Tag>` element in an XML answer. @param {string} xml @param {string} tag */
function xmlValue(xml, tag) {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

module.exports = { startProxy, stsError, xmlValue };
