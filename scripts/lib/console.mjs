// Builds and serves the web console (web/): one esbuild bundle of web/src/main.mjs plus the
// static files, served over plain HTTP on loopback by Node's own http module.
//
// The page's npm packages are the scripts' (this directory's node_modules, one lockfile), so
// the page and the scripts run the same @polkadot/api and the page imports
// scripts/lib/purchase.mjs and desk.mjs themselves: the purchase payload rule lives once.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
export const webDir = path.join(root, 'web');
export const distDir = path.join(webDir, 'dist');
const STATIC = ['index.html', 'style.css'];

/** Bundles the page into `outdir` (web/dist by default); resolves with the output files. */
export async function buildConsole({ outdir = distDir, minify = true } = {}) {
  mkdirSync(outdir, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [path.join(webDir, 'src', 'main.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify,
    sourcemap: true,
    outfile: path.join(outdir, 'main.js'),
    // web/ has no node_modules of its own: its imports resolve to the scripts' packages.
    nodePaths: [path.join(root, 'scripts', 'node_modules')],
    logLevel: 'warning',
    metafile: true,
  });
  for (const file of STATIC) copyFileSync(path.join(webDir, file), path.join(outdir, file));
  return Object.keys(result.metafile.outputs);
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * Serves `dir` on `host:port` (port 0: any free one). Resolves with `{ url, port, close }`.
 * Only files inside `dir` are served; `/` is index.html.
 */
export function serveConsole({ dir = distDir, host = '127.0.0.1', port = 0 } = {}) {
  const base = path.resolve(dir);
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    let decoded;
    try {
      decoded = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
    } catch {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('bad path\n');
      return;
    }
    const file = path.resolve(base, '.' + decoded);
    const inside = file === base || file.startsWith(base + path.sep);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
    } else if (!inside || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    } else {
      response.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      });
      response.end(request.method === 'HEAD' ? undefined : readFileSync(file));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address();
      resolve({
        url: `http://${host}:${bound}/`,
        port: bound,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

// `node lib/console.mjs [--port N] [--host H] [--build-only]`: what scripts/console.sh runs.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : fallback;
  };
  await buildConsole();
  if (!args.includes('--build-only')) {
    const { url } = await serveConsole({
      host: option('--host', '127.0.0.1'),
      port: Number(option('--port', process.env.CONSOLE_PORT ?? 8080)),
    });
    console.log(`console: open ${url} (it connects to ws://127.0.0.1:9944; another node: ${url}?rpc=ws://127.0.0.1:PORT)`);
  }
}
