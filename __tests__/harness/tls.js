// @ts-check
/**
 * An HTTPS front on loopback for a plain-HTTP target (the counting proxy, or moto), with a self-signed
 * certificate for 127.0.0.1 and localhost made by openssl for this run. A child trusts it only when given the
 * certificate file in NODE_EXTRA_CA_CERTS, as a runner behind a TLS-inspecting proxy would be.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');

const OPENSSL_HINT =
  'openssl is needed to make the test certificate for the HTTPS tests and was not found.\n' +
  'Install it with: sudo apt-get install -y openssl   (Debian/Ubuntu)';

/**
 * @typedef {object} TlsFront
 * @property {string} url        https://127.0.0.1:<port>
 * @property {string} namedUrl   https://localhost:<port>: by name, as AWS endpoints are; only for use
 *                               through the counting proxy, whose CONNECT maps localhost to 127.0.0.1
 * @property {string} caFile     the certificate, for NODE_EXTRA_CA_CERTS
 * @property {number} handshakes TLS handshakes completed
 * @property {number} refused    handshakes the client broke off (it did not trust the certificate)
 * @property {() => Promise<void>} close
 */

/** @returns {{ key: Buffer, cert: Buffer, caFile: string, dir: string }} */
function makeCertificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gate-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const caFile = path.join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        keyFile,
        '-out',
        caFile,
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    const missing = /** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT';
    throw new Error(missing ? OPENSSL_HINT : `openssl failed: ${String(error)}`);
  }
  return { key: fs.readFileSync(keyFile), cert: fs.readFileSync(caFile), caFile, dir };
}

/** @param {string} target  plain-HTTP base URL every request is forwarded to @returns {Promise<TlsFront>} */
async function startTlsFront(target) {
  const upstream = new URL(target);
  const { key, cert, caFile, dir } = makeCertificate();
  /** @type {Set<import('node:stream').Duplex>} */
  const sockets = new Set();
  const server = https.createServer({ key, cert }, (req, res) => {
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  /** @type {TlsFront} */
  const front = {
    url: '',
    namedUrl: '',
    caFile,
    handshakes: 0,
    refused: 0,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
  server.on('secureConnection', () => front.handshakes++);
  server.on('tlsClientError', () => front.refused++);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  front.url = `https://127.0.0.1:${port}`;
  front.namedUrl = `https://localhost:${port}`;
  return front;
}

module.exports = { startTlsFront, OPENSSL_HINT };
