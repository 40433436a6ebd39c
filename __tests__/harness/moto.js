// @ts-check
/**
 * Starts moto_server on 127.0.0.1 on a free port, and stops it. Used by the e2e tests, the demo and the
 * benchmark. A missing moto_server is an error, never a skip.
 */
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');

const INSTALL_HINT = 'moto_server was not found on PATH. Install it with: pip install "moto[server]"';

/** Throws a clear error when moto_server cannot be run. */
function requireMoto() {
  const probe = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) throw new Error(INSTALL_HINT);
}

/** @returns {Promise<number>} a TCP port that was free a moment ago on 127.0.0.1 */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * @typedef {object} Moto
 * @property {string} url        base URL, e.g. http://127.0.0.1:40123
 * @property {number} port
 * @property {() => Promise<void>} reset             drops every resource moto holds
 * @property {(unsignedCalls: number) => Promise<void>} enforceAuth  turns IAM enforcement on after N unsigned calls
 * @property {() => Promise<void>} stop
 */

/**
 * @param {{ env?: Record<string, string> }} [options]  env: added to moto_server's (e.g. libfaketime's)
 * @returns {Promise<Moto>}
 */
async function startMoto(options = {}) {
  requireMoto();
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
      env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true', ...options.env },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const url = `http://127.0.0.1:${port}`;
    const ready = await waitReady(url, child, 30_000);
    if (ready) return motoHandle(url, port, child);
    killGroup(child);
    if (attempt >= 3) throw new Error(`moto_server did not start on port ${port}:\n${stderr}`);
  }
}

/**
 * @param {string} url
 * @param {import('node:child_process').ChildProcess} child
 * @param {number} timeoutMs
 */
async function waitReady(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** @param {import('node:child_process').ChildProcess} child */
function killGroup(child) {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/**
 * @param {string} url
 * @param {number} port
 * @param {import('node:child_process').ChildProcess} child
 * @returns {Moto}
 */
function motoHandle(url, port, child) {
  return {
    url,
    port,
    async reset() {
      const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
    async enforceAuth(unsignedCalls) {
      const response = await fetch(`${url}/moto-api/reset-auth`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: String(unsignedCalls),
      });
      if (!response.ok) throw new Error(`moto reset-auth failed: HTTP ${response.status}`);
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        killGroup(child);
        setTimeout(() => {
          try {
            if (child.pid) process.kill(-child.pid, 'SIGKILL');
          } catch {
            // gone
          }
          resolve();
        }, 3000).unref();
      });
    },
  };
}

module.exports = { startMoto, requireMoto, freePort, INSTALL_HINT };
