// The live bundle's own memory snapshot: the artifact's snapshot (core imported and warm)
// plus the bundle already staged and committed. Installing a bundle costs a starting worker
// ~80-130 ms of Python on code V8 has not compiled yet; a worker that restores this snapshot
// instead starts with the bundle live, so a restart serves sooner.
//
// The primary makes it in the background (make_snapshot.mjs --bundle-payload, at the lowest
// CPU priority) a while after a bundle goes live, or at start when the stored bundle has none.
// It lives in DATA beside the bundle as bundle-snapshot-<sha>.bin with a record,
// bundle-snapshot.json, written after the file, naming it with the bundle's SHA-256 and the
// artifact it was made from. A worker is offered it only while both still match; anything
// else (a newer bundle, a rebuilt artifact, a missing or resized file) means the artifact's
// snapshot and a normal install, and a file that fails to restore falls back the same way.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactWheels, readManifest } from '../artifact_manifest.mjs';

const MAKER = fileURLToPath(new URL('../make_snapshot.mjs', import.meta.url));
const RECORD = 'bundle-snapshot.json';
const PREFIX = 'bundle-snapshot-';
const LOWEST_PRIORITY = 19;

/** The SHA-256 (hex) of a signed bundle file's bytes: what a snapshot is bound to. */
export function bundleDigest(raw) {
  return createHash('sha256').update(raw).digest('hex');
}

/** What identifies the artifact a snapshot was made from (its own snapshot's hash). */
function artifactId(artifactDir) {
  const manifest = readManifest(artifactDir);
  const snap = manifest && manifest.snapshot;
  return snap && snap.sha256 ? `${manifest.pyodide_version}/${snap.sha256}` : null;
}

/**
 * The snapshot to offer a starting worker for the live bundle `current` ({version, sha}):
 * {file, size, version, sha}, or null with no usable one. Cheap: one small read, one stat.
 */
export function usableSnapshot(dataDir, artifactDir, current) {
  if (!current) return null;
  let record;
  try {
    record = JSON.parse(readFileSync(path.join(dataDir, RECORD), 'utf8'));
  } catch {
    return null;
  }
  if (record.sha !== current.sha || record.version !== current.version) return null;
  if (record.artifact !== artifactId(artifactDir)) return null;
  const file = path.join(dataDir, path.basename(String(record.file)));
  if (!existsSync(file) || statSync(file).size !== record.size) return null;
  return { file, size: record.size, version: record.version, sha: record.sha };
}

/** Makes the live bundle's snapshot in the background, one at a time, the latest bundle wins. */
export class BundleSnapshots {
  /** delayMs: how long a bundle must stay live before its snapshot is made; < 0: never. */
  constructor({ dataDir, artifactDir, delayMs }) {
    this.dataDir = dataDir;
    this.artifactDir = artifactDir;
    this.delayMs = delayMs;
    this.wanted = null; // {payload, version, sha}
    this.timer = null;
    this.child = null;
    this.state = { state: delayMs < 0 ? 'off' : 'none', version: null, ms: null, error: null };
  }

  /** A bundle went live (or was loaded at start): make its snapshot unless one exists. */
  want(current) {
    if (this.delayMs < 0 || !current) return;
    if (usableSnapshot(this.dataDir, this.artifactDir, current)) {
      this.state = { ...this.state, state: 'ready', version: current.version, error: null };
      return;
    }
    this.wanted = { payload: current.payload, version: current.version, sha: current.sha };
    this.state = { ...this.state, state: 'waiting', version: current.version, error: null };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.make(), this.delayMs);
    this.timer.unref?.();
  }

  status() {
    return { ...this.state };
  }

  make() {
    if (this.child || !this.wanted) return; // a running build picks the newest up when done
    const target = this.wanted;
    this.wanted = null;
    const id = artifactId(this.artifactDir);
    if (!id) {
      this.state = { ...this.state, state: 'failed', error: 'the artifact has no snapshot' };
      return;
    }
    const payloadFile = path.join(this.dataDir, `${PREFIX}payload.tmp`);
    const name = `${PREFIX}${target.sha.slice(0, 16)}.bin`;
    writeFileSync(payloadFile, target.payload);
    const wheels = artifactWheels(readManifest(this.artifactDir), this.artifactDir);
    const args = [MAKER, '--artifact', this.artifactDir, '--out', path.join(this.dataDir, name),
      '--bundle-payload', payloadFile, '--bundle-version', String(target.version),
      ...wheels.flatMap((w) => ['--wheel', w])];
    const started = Date.now();
    this.state = { ...this.state, state: 'building', version: target.version, error: null };
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    try {
      setPriority(child.pid, LOWEST_PRIORITY); // serving traffic comes first
    } catch { /* not permitted here: it still runs */ }
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => {
      this.child = null;
      rmSync(payloadFile, { force: true });
      if (code === 0) {
        this.commit(target, id, name);
        this.state = { state: 'ready', version: target.version, ms: Date.now() - started, error: null };
      } else if (code !== null || !this.stopped) {
        this.state = { ...this.state, state: 'failed', error: out.trim().slice(-500) || `exit ${code}` };
      }
      if (this.wanted && !this.stopped) this.make();
    });
  }

  /** Records a finished file (after it is complete), then drops every other snapshot file
   * (older bundles', and what an interrupted build left). */
  commit(target, artifact, name) {
    const size = statSync(path.join(this.dataDir, name)).size;
    const record = { version: target.version, sha: target.sha, artifact, file: name, size };
    const tmp = path.join(this.dataDir, `${RECORD}.tmp`);
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, path.join(this.dataDir, RECORD));
    for (const f of readdirSync(this.dataDir)) {
      if (f.startsWith(PREFIX) && f !== name) {
        rmSync(path.join(this.dataDir, f), { force: true });
      }
    }
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.child?.kill('SIGKILL');
  }
}
