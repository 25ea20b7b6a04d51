// Starts the project's HTTP fixture server (tests/fixture) on a loopback ephemeral port.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import net from 'node:net';

export async function startFixture() {
  const buildDir = process.env.ONELOOP_BUILD_DIR;
  if (!buildDir) throw new Error('ONELOOP_BUILD_DIR is not set (run through node/run_tests.sh)');
  const bin = path.join(buildDir, 'tests', 'fixture', 'ol_fixture_server');
  const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const port = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`fixture server exited early (${code})`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  child.removeAllListeners('exit');
  const base = `http://127.0.0.1:${port}`;
  return {
    port,
    base,
    url: (p) => base + p,
    async close() {
      child.stdin.end(); // the server exits when its stdin closes
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

// A loopback port with nothing listening on it (bound, then closed).
export async function refusedPort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}
