// Entry point of the edge host (`tailor edge` starts it): the primary forks workers with
// node:cluster; each worker runs its own Pyodide and HTTP server on the shared port.
// Configuration arrives as JSON in TAILOR_EDGE_CONFIG (secrets stay out of argv).

import cluster from 'node:cluster';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes, createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

export const DEFAULTS = {
  origin: 'http://127.0.0.1:8000',
  host: '127.0.0.1',
  port: 8787,
  workers: 2,
  dataDir: path.join(ROOT, '.data', 'edge'),
  artifactDir: path.join(ROOT, 'dist', 'edge'),
  useSnapshot: true,
  publicKey: null,
  adminToken: '',
  metricsToken: '',
  originToken: '',
  cookieKey: null,
  countryHeader: 'cf-ipcountry',
  knownIdHeader: 'x-tailor-known-id',
  defaultTzOffset: 0,
  cacheBytes: 64 * 1024 * 1024,
  defaultTtl: 0,
  originTimeoutMs: 10000,
  profileTimeoutMs: 50,
  profileTtlMs: 300000,
  profileCacheMax: 10000,
  eventsMaxBytes: 64 * 1024,
  eventsMaxCount: 100,
  bundleMaxBytes: 64 * 1024 * 1024,
  journalMaxBytes: 256 * 1024 * 1024,
  forwardBatch: 500, // the origin's default limit per batch; a 413 halves it (Forwarder)
  forwardFlushMs: 200,
  debugHooks: false,
  warmupDecisions: 300,
  startWaitMs: 5000,
  bundleSnapshotDelayMs: 10000, // see lib/bundle_snapshot.mjs; < 0: never make one
};

export function loadConfig(env = process.env) {
  const given = env.TAILOR_EDGE_CONFIG ? JSON.parse(env.TAILOR_EDGE_CONFIG) : {};
  const cfg = { ...DEFAULTS, ...given };
  cfg.countryHeader = String(cfg.countryHeader).toLowerCase();
  cfg.knownIdHeader = String(cfg.knownIdHeader).toLowerCase();
  cfg.dataDir = path.resolve(cfg.dataDir);
  cfg.artifactDir = path.resolve(cfg.artifactDir);
  cfg.staticRoots = {
    '/_tailor/pyodide/': path.join(HERE, 'node_modules', 'pyodide'),
    '/_tailor/dist/': cfg.artifactDir,
    '/_tailor/': path.join(HERE, 'static'),
  };
  return cfg;
}

/** The state-cookie HMAC key: configured, or generated once into DATA (kept across restarts). */
function cookieKeyHex(cfg) {
  if (cfg.cookieKey) return createHash('sha256').update(String(cfg.cookieKey)).digest('hex');
  const file = path.join(cfg.dataDir, 'cookie.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = randomBytes(32).toString('hex');
  mkdirSync(cfg.dataDir, { recursive: true });
  writeFileSync(file, key, { mode: 0o600 });
  return key;
}

async function main() {
  const cfg = loadConfig();
  if (cluster.isPrimary) {
    const { trace } = await import('./lib/trace.mjs');
    trace('primary', 'up');
    const { Primary } = await import('./lib/primary.mjs');
    process.env.TAILOR_EDGE_COOKIE_KEY_HEX = cookieKeyHex(cfg);
    const primary = new Primary(cfg);
    const stop = (sig) => {
      primary.stop();
      // workers drain their in-flight requests (bounded) before the primary leaves
      setTimeout(() => process.exit(sig === 'SIGINT' ? 130 : 0), 3500).unref();
      cluster.on('exit', () => {
        if (Object.keys(cluster.workers).length === 0) process.exit(sig === 'SIGINT' ? 130 : 0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    primary.start();
  } else {
    const { Worker } = await import('./lib/worker.mjs');
    cfg.cookieKeyHex = process.env.TAILOR_EDGE_COOKIE_KEY_HEX;
    cfg.earlyListen = process.env.TAILOR_EDGE_EARLY === '1';
    const snapshot = process.env.TAILOR_EDGE_BUNDLE_SNAPSHOT;
    cfg.bundleSnapshot = snapshot ? JSON.parse(snapshot) : null;
    const worker = new Worker(cfg);
    process.on('SIGTERM', () => worker.stop());
    process.on('SIGINT', () => {}); // the primary decides when to stop
    process.on('disconnect', () => worker.stop());
    await worker.start();
  }
}

main().catch((e) => {
  process.stderr.write(`tailor edge: ${e?.stack || e}\n`);
  process.exit(1);
});
