// The primary process: forks the workers (each with its own Pyodide), owns the live bundle
// and swaps it on every worker in two phases (all prepare, then all commit) before the PUT
// answers, persists the last good bundle, journals and forwards events, sums stats.

import cluster from 'node:cluster';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ipc } from './ipc.mjs';
import { Journal, JournalFull, Forwarder } from './journal.mjs';
import { Origin } from './origin.mjs';
import { verifyBundle, loadPublicKey } from './bundle.mjs';
import { mergeStats, prometheus } from './metrics.mjs';
import { ConsentSender } from './consent.mjs';
import { toJson } from './msgpack.mjs';
import { BundleSnapshots, bundleDigest, usableSnapshot } from './bundle_snapshot.mjs';

class Mutex {
  constructor() { this.tail = Promise.resolve(); }
  run(fn) {
    const p = this.tail.then(fn, fn);
    this.tail = p.catch(() => {});
    return p;
  }
}

const ERASED_TTL_MS = 10 * 60 * 1000;
const ERASED_MAX = 10000;

/** The payload in msgpack.mjs' JSON form, or null (the workers then decode the msgpack). */
function jsonForm(payload) {
  try {
    return toJson(payload);
  } catch {
    return null; // undecodable: Python says why when it rejects the bundle
  }
}

export class Primary {
  constructor(cfg) {
    this.cfg = cfg;
    this.startedAt = Date.now();
    this.lock = new Mutex();
    this.workers = new Map(); // id -> {worker, ipc, ready, listening, version, pid}
    this.current = null; // {raw, payload, version}
    this.rejections = 0;
    this.swaps = 0;
    this.stopping = false;
    mkdirSync(cfg.dataDir, { recursive: true });
    this.bundleFile = path.join(cfg.dataDir, 'bundle.msgpack');
    this.journal = new Journal(path.join(cfg.dataDir, 'journal'), cfg.journalMaxBytes);
    const origin = new Origin(cfg.origin, { token: cfg.originToken, timeoutMs: 10000 });
    this.origin = origin;
    this.snapshots = new BundleSnapshots({ dataDir: cfg.dataDir, artifactDir: cfg.artifactDir,
      delayMs: cfg.useSnapshot ? cfg.bundleSnapshotDelayMs : -1 });
    this.forwarder = new Forwarder(this.journal, (events) => origin.postEvents(events),
      { batch: cfg.forwardBatch, flushMs: cfg.forwardFlushMs });
    this.erased = new Map(); // visitor -> when erased: what still arrives for them is dropped
    this.consents = new ConsentSender((records) => origin.postConsents(records));
  }

  start() {
    this.loadStored();
    this.forwarder.start();
    cluster.setupPrimary({ serialization: 'advanced' });
    // one worker first: alone on the CPU it restores its snapshot and serves soonest; the
    // others follow as soon as it listens (see 'listening')
    this.fork();
    // while it boots, convert the stored bundle once for every worker (see PyHost.prepare)
    if (this.current) this.current.json = jsonForm(this.current.payload);
    cluster.on('exit', (worker, code, signal) => {
      const w = this.workers.get(worker.id);
      this.workers.delete(worker.id);
      w?.ipc.failAll('worker exited');
      if (!this.stopping) {
        process.stderr.write(`tailor edge: worker ${worker.process.pid} exited (${signal || code}); restarting\n`);
        setTimeout(() => this.fork(), 200);
      }
    });
  }

  /** Loads the last good bundle from DATA (checked again: the key may have changed). */
  loadStored() {
    if (!existsSync(this.bundleFile)) return;
    try {
      const raw = readFileSync(this.bundleFile);
      const key = loadPublicKey(this.cfg.publicKey);
      const v = verifyBundle(raw, key);
      this.current = { raw, payload: v.payload, version: v.header.version, sha: bundleDigest(raw) };
    } catch (e) {
      process.stderr.write(`tailor edge: stored bundle not used: ${e.message}\n`);
    }
  }

  fork() {
    // with no worker serving, the new one listens before its Python is up (see Worker.start);
    // beside serving workers it would only hold the requests the pool routes to it
    const early = ![...this.workers.values()].some((w) => w.listening);
    const snapshot = usableSnapshot(this.cfg.dataDir, this.cfg.artifactDir, this.current);
    const worker = cluster.fork({ TAILOR_EDGE_ROLE: 'worker', TAILOR_EDGE_EARLY: early ? '1' : '',
      TAILOR_EDGE_BUNDLE_SNAPSHOT: snapshot ? JSON.stringify(snapshot) : '' });
    const rec = { worker, ready: false, listening: false, version: 0, pid: worker.process.pid };
    rec.ipc = new Ipc(worker, (msg) => this.onWorker(rec, msg));
    this.workers.set(worker.id, rec);
  }

  onWorker(rec, msg) {
    switch (msg.t) {
      case 'hello':
        return { bundle: this.current ? { payload: this.current.payload, version: this.current.version,
          json: this.current.json, sha: this.current.sha } : null };
      case 'ready':
        // joins under the lock so no swap runs between its bundle load and its first request
        return this.lock.run(() => {
          const want = this.current ? this.current.version : 0;
          if (msg.version !== want && this.current) return { ok: false };
          rec.ready = true;
          rec.version = msg.version;
          return { ok: true };
        });
      case 'listening':
        rec.listening = true;
        if (!this.restForked) {
          this.restForked = true;
          for (let i = 1; i < this.cfg.workers; i++) this.fork();
          this.snapshots.want(this.current);
        }
        this.maybeAnnounce();
        return undefined;
      case 'journal':
        return this.appendEvents(msg.events);
      case 'erase':
        return this.erase(msg.visitor);
      case 'consents':
        for (const record of msg.records || []) {
          if (!this.wasErased(record.visitor)) this.consents.add(record);
        }
        return { ok: true };
      case 'swap':
        return this.lock.run(() => this.swap(msg));
      case 'rejected':
        this.rejections += 1;
        return undefined;
      case 'health':
        return this.health().then((body) => ({ body }));
      case 'metrics':
        return this.metrics().then((body) => ({ body }));
      default:
        return { ok: false, error: `unknown message ${msg.t}` };
    }
  }

  maybeAnnounce() {
    if (this.announced) return;
    const all = [...this.workers.values()];
    if (all.length >= this.cfg.workers && all.every((w) => w.listening)) {
      this.announced = true;
      const v = this.current ? this.current.version : 0;
      process.stdout.write(`tailor edge listening on http://${this.cfg.host}:${this.cfg.port} ` +
        `workers=${all.length} bundle=${v}\n`);
    }
  }

  /** True for a visitor erased in the last ERASED_TTL_MS (late arrivals are dropped). */
  wasErased(visitor) {
    const at = this.erased.get(visitor);
    if (at === undefined) return false;
    if (Date.now() - at < ERASED_TTL_MS) return true;
    this.erased.delete(visitor);
    return false;
  }

  appendEvents(events) {
    if (this.erased.size) events = events.filter((e) => !e || !this.wasErased(e.visitor));
    try {
      this.journal.append(events);
    } catch (e) {
      if (e instanceof JournalFull) return { ok: false, error: e.message };
      throw e;
    }
    this.forwarder.notify();
    return { ok: true };
  }

  /**
   * Erasure at the edge and the origin: with the forwarder paused, drop the visitor's
   * journaled events, ask the origin to erase, and drop again anything that arrived
   * meanwhile, so no event of theirs reaches the origin after its erasure.
   */
  erase(visitor) {
    const mine = (e) => e && e.visitor === visitor;
    this.erased.delete(visitor);
    this.erased.set(visitor, Date.now());
    if (this.erased.size > ERASED_MAX) this.erased.delete(this.erased.keys().next().value);
    return this.forwarder.exclusive(async () => {
      let dropped = this.journal.remove(mine);
      this.consents.drop(visitor);
      while (this.consents.busy) await new Promise((resolve) => setTimeout(resolve, 5));
      let r;
      try {
        r = await this.origin.request('DELETE', `/v1/subjects/${encodeURIComponent(visitor)}`,
          { accept: 'application/json', ...this.origin.authHeaders() });
      } catch (e) {
        return { ok: false, error: `origin unreachable: ${e.message}`, dropped };
      }
      dropped += this.journal.remove(mine);
      if (r.status !== 200) return { ok: false, error: `origin answered ${r.status}`, dropped };
      let body = {};
      try { body = JSON.parse(r.body.toString('utf8')); } catch { /* counts unknown */ }
      return { ok: true, deleted: body.deleted || null, dropped };
    });
  }

  reject(status, error) {
    this.rejections += 1;
    return { status, body: { ok: false, version: this.current ? this.current.version : null, error } };
  }

  async swap({ raw, payload, version, rollback }) {
    const live = this.current ? this.current.version : 0;
    if (version === live) return this.reject(409, `version ${version} is already live (replayed bundle)`);
    if (version < live && !rollback) {
      return this.reject(409, `version ${version} is older than live version ${live}; use ?rollback=1`);
    }
    const ready = [...this.workers.values()].filter((w) => w.ready);
    if (ready.length === 0) return this.reject(503, 'no worker is ready yet; retry shortly');
    const json = jsonForm(payload);
    const prepared = await Promise.all(ready.map((w) =>
      w.ipc.request({ t: 'prepare', payload, version, json }, 60000).catch((e) => ({ ok: false, error: e.message }))));
    const bad = prepared.find((p) => !p || !p.ok);
    if (bad) {
      await Promise.all(ready.map((w) => w.ipc.request({ t: 'abort' }).catch(() => null)));
      return this.reject(422, bad.error || 'bundle rejected by a worker');
    }
    const committed = await Promise.all(ready.map((w) =>
      w.ipc.request({ t: 'commit', version }, 10000).catch((e) => ({ ok: false, error: e.message }))));
    ready.forEach((w, i) => { if (committed[i].ok) w.version = version; });
    this.current = { raw, payload, version, json, sha: bundleDigest(raw) };
    const tmp = this.bundleFile + '.tmp';
    writeFileSync(tmp, raw);
    renameSync(tmp, this.bundleFile);
    this.swaps += 1;
    this.snapshots.want(this.current);
    const failed = committed.filter((c) => !c.ok).length;
    if (failed) {
      // a worker that could not commit is replaced: it reloads the live bundle at start
      ready.forEach((w, i) => { if (!committed[i].ok) w.worker.kill(); });
    }
    return { status: 200, body: { ok: true, version, error: null, previous: live,
      workers: ready.length - failed, rollback: Boolean(rollback) } };
  }

  async collect() {
    const all = [...this.workers.values()].filter((w) => w.listening);
    const res = await Promise.all(all.map((w) =>
      w.ipc.request({ t: 'collect' }, 2000).catch(() => null)));
    return res.filter(Boolean);
  }

  async health() {
    const workers = await this.collect();
    const merged = mergeStats(workers.map((w) => w.stats));
    const versions = workers.map((w) => w.version);
    return {
      ok: workers.length > 0 && new Set(versions).size <= 1,
      serving: workers.length > 0 && workers.every((w) => w.serving),
      bundle_version: this.current ? this.current.version : null,
      workers: workers.map((w) => ({ pid: w.pid, bundle_version: w.version, serving: w.serving,
        uptime_s: Math.round(w.uptime_s), rss_bytes: w.rss, cache: w.cache,
        decision_cache: w.decisions,
        pyodide: w.pyodide, python_error: w.python_error, warmup: w.warmup })),
      uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
      counters: { ...merged.counters, bundle_rejections: merged.counters.bundle_rejections + this.rejections,
        bundle_swaps: this.swaps },
      fallback_reasons: merged.fallbackReasons,
      timing_us: merged.timing,
      decision_ms: { count: merged.decision.count,
        mean: merged.decision.count ? merged.decision.sumMs / merged.decision.count : 0 },
      forwarder: this.forwarder.stats(),
      bundle_snapshot: this.snapshots.status(),
      consents: this.consents.stats(),
    };
  }

  async metrics() {
    const workers = await this.collect();
    const merged = mergeStats(workers.map((w) => w.stats));
    merged.counters.bundle_rejections += this.rejections;
    const fw = this.forwarder.stats();
    return prometheus(merged, {
      forward_queue_depth: { help: 'events waiting in the journal for the origin', value: fw.queue_depth },
      forward_sent_total: { help: 'events delivered to the origin', value: fw.sent },
      bundle_version: { help: 'live bundle version per worker', labels: 'pid',
        value: workers.map((w) => [w.pid, w.version]) },
      worker_rss_bytes: { help: 'resident memory per worker', labels: 'pid',
        value: workers.map((w) => [w.pid, w.rss]) },
      cache_bytes: { help: 'page cache bytes (all workers)',
        value: workers.reduce((a, w) => a + w.cache.bytes, 0) },
      uptime_seconds: { help: 'seconds since the edge started',
        value: Math.round((Date.now() - this.startedAt) / 1000) },
    });
  }

  stop() {
    this.stopping = true;
    this.forwarder.stop();
    this.consents.stop();
    this.snapshots.stop();
    for (const w of this.workers.values()) w.worker.kill('SIGTERM');
    this.journal.close();
  }
}

export { JournalFull };
