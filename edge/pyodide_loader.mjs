// Loads the Tailor core into npm Pyodide, offline, from the edge artifact (dist/edge).
//
// Fast path: restore the memory snapshot made by make_snapshot.mjs (core, msgpack and the
// edge glue already imported and warm). A snapshot holds the interpreter's memory, not its
// file system, so the wheels' files are written into site-packages again, from JS in the
// `fsInit` hook before Python runs (no Python zipfile work), which keeps lazy imports working.
// Slow path (no or stale snapshot, or useSnapshot: false): boot Pyodide with the same files.
// Either way `import core` is checked before the instance is returned.
//
//   import { loadTailor } from "./pyodide_loader.mjs";
//   const pyodide = await loadTailor({ artifactDir: "dist/edge" });
//
// Set TAILOR_LOADER_TRACE=1 to print stage timings (ms since the loader was imported).

import { existsSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { inflateRawSync } from "node:zlib";
import { loadPyodide, version as pyodideVersion } from "pyodide";
import { artifactWheels, readManifest } from "./artifact_manifest.mjs";

/** Absolute path of the npm pyodide distribution, with the trailing slash it needs. */
export const INDEX_URL = fileURLToPath(new URL("./node_modules/pyodide/", import.meta.url));
export const PYODIDE_VERSION = pyodideVersion;
export const LOCK_NAME = "pyodide-lock.json";

const TRACE = process.env.TAILOR_LOADER_TRACE === "1";
const T0 = performance.now();
function trace(stage) {
  if (TRACE) process.stderr.write(`[loader] ${stage} ${(performance.now() - T0).toFixed(1)}\n`);
}

/** Why the snapshot cannot be used ("" when it can). Checks version and size, not a hash. */
export function snapshotProblem(manifest, artifactDir) {
  if (!manifest) return "no manifest";
  const snap = manifest.snapshot;
  if (!snap || !snap.file) return "manifest lists no snapshot";
  if (manifest.pyodide_version !== pyodideVersion) {
    return `snapshot made with pyodide ${manifest.pyodide_version}, runtime is ${pyodideVersion}`;
  }
  const file = path.join(artifactDir, snap.file);
  if (!existsSync(file)) return `missing ${snap.file}`;
  if (statSync(file).size !== snap.size) return `${snap.file} size differs from the manifest`;
  return "";
}

/**
 * loadPyodide options shared by the loader and make_snapshot.mjs. With the artifact's own
 * small lock file (just core + msgpack, relative to artifactDir) Pyodide skips reading and
 * parsing the 120 KB npm one, and `loadPackage("tailor-core")` resolves locally.
 */
export function pyodideOptions(artifactDir, extra = {}) {
  const options = { indexURL: INDEX_URL, packages: [], checkAPIVersion: true, ...extra };
  const lock = artifactDir ? path.join(artifactDir, LOCK_NAME) : "";
  if (lock && existsSync(lock)) {
    options.lockFileContents = JSON.parse(readFileSync(lock, "utf8"));
    options.packageBaseUrl = path.resolve(artifactDir) + path.sep;
  }
  return options;
}

/** The interpreter's purelib directory (where wheels are unpacked). */
export function sitePackages(pyodide) {
  return pyodide._api?.sitePackages ?? pyodide.runPython("import site; site.getsitepackages()[0]");
}

/** Unpack one wheel (path or bytes) into site-packages with Pyodide's own installer. */
export function installWheel(pyodide, wheel, dir = sitePackages(pyodide)) {
  const bytes = typeof wheel === "string" ? readFileSync(wheel) : wheel;
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  pyodide.unpackArchive(view, "wheel", { extractDir: dir });
}

/**
 * The files of a pure-Python wheel as [[site-packages relative path, bytes]], read in JS
 * (zip central directory + raw inflate). `<name>.data/purelib|platlib/` is flattened,
 * other `.data` schemes are skipped. Returns null for a wheel with compiled code.
 */
export function wheelFiles(file) {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file}: not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const files = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory`);
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const local = buf.readUInt32LE(at + 42);
    let name = buf.toString("utf8", at + 46, at + 46 + nameLen);
    at += 46 + nameLen + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    if (name.endsWith("/")) continue;
    if (/\.(so|pyd|dylib)$/.test(name)) return null;
    const data = name.match(/^[^/]+\.data\/([^/]+)\/(.*)$/);
    if (data) {
      if (data[1] !== "purelib" && data[1] !== "platlib") continue;
      name = data[2];
    }
    if (name.split("/").some((part) => part === ".." || part === "")) {
      throw new Error(`${file}: unsafe member ${name}`);
    }
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    if (method === 0) files.push([name, new Uint8Array(raw)]);
    else if (method === 8) files.push([name, new Uint8Array(inflateRawSync(raw))]);
    else throw new Error(`${file}: unsupported compression ${method} for ${name}`);
  }
  return files;
}

/** Write [[relative path, bytes]] under dir in the Emscripten FS. */
export function writeFiles(FS, dir, files) {
  const made = new Set();
  for (const [name, bytes] of files) {
    const full = `${dir}/${name}`;
    const parent = full.slice(0, full.lastIndexOf("/"));
    if (!made.has(parent)) {
      FS.mkdirTree(parent);
      made.add(parent);
    }
    FS.writeFile(full, bytes);
  }
}

const CHECK = "__import__(\"core\").__version__";

/** A snapshot file's bytes as the Uint8Array loadPyodide wants. */
function readSnapshot(file) {
  return readFile(file).then((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * Load Pyodide with the Tailor core installed and return the instance.
 * artifactDir: the built artifact (dist/edge); useSnapshot: restore snapshot.bin when it is
 * valid; preferSnapshot: {file, size} of another snapshot of the same artifact to try first
 * (the edge's snapshot with its live bundle installed, edge/lib/bundle_snapshot.mjs);
 * extraWheels: more wheel paths to install (benchmarks, e.g. growthbook's wheel).
 * The path taken is left on `pyodide.tailorStart` ({snapshot: bool, source: "preferred",
 * "artifact" or "boot", reason, ms}); a preferred snapshot that fails falls back to the
 * artifact's, and that to a boot, so a bad file costs time, never the start.
 */
export async function loadTailor({
  artifactDir,
  useSnapshot = true,
  preferSnapshot = null,
  extraWheels = [],
  stdout,
  stderr,
} = {}) {
  if (!artifactDir) throw new Error("loadTailor needs artifactDir");
  const dir = path.resolve(artifactDir);
  const started = performance.now();
  const manifest = readManifest(dir);
  let problem = useSnapshot ? snapshotProblem(manifest, dir) : "useSnapshot: false";
  // why a preferred snapshot is not tried, or why it failed ("" when it restored or none)
  let fallback = !problem && preferSnapshot ? preferredProblem(preferSnapshot) : "";
  const tryPreferred = Boolean(!problem && preferSnapshot && !fallback);
  const artifactSnapshot = problem ? null : path.join(dir, manifest.snapshot.file);
  // Start reading the 30 MB snapshot now; it overlaps with loading pyodide.asm.mjs.
  let snapshot = problem ? undefined : readSnapshot(tryPreferred ? preferSnapshot.file : artifactSnapshot);
  const pure = [];
  const native = [];
  for (const wheel of [...artifactWheels(manifest, dir), ...extraWheels]) {
    const files = wheelFiles(wheel);
    if (files) pure.push(...files);
    else native.push(wheel);
  }
  trace("wheels read");
  const options = pyodideOptions(dir, {
    fsInit: (FS, { sitePackages: site }) => writeFiles(FS, site, pure),
  });
  if (stdout) options.stdout = stdout;
  if (stderr) options.stderr = stderr;
  let pyodide;
  let source = "boot";
  if (tryPreferred) {
    try {
      pyodide = await loadPyodide({ ...options, _loadSnapshot: await snapshot });
      source = "preferred";
      trace("preferred snapshot restored");
    } catch (err) {
      fallback = `preferred snapshot failed: ${err?.message ?? err}`;
      process.stderr.write(`pyodide_loader: ${fallback}; using the artifact's\n`);
      snapshot = readSnapshot(artifactSnapshot);
    }
  }
  if (snapshot && !pyodide) {
    try {
      pyodide = await loadPyodide({ ...options, _loadSnapshot: await snapshot });
      source = "artifact";
      trace("snapshot restored");
    } catch (err) {
      // A snapshot that does not restore costs a slow start, never a failed one.
      problem = `snapshot failed: ${err?.message ?? err}`;
      process.stderr.write(`pyodide_loader: ${problem}; booting without it\n`);
    }
  }
  if (!pyodide) {
    pyodide = await loadPyodide(options);
    trace("booted");
  }
  for (const wheel of native) installWheel(pyodide, wheel);
  const version = pyodide.runPython(CHECK);
  if (typeof version !== "string") throw new Error("import core did not give core.__version__");
  trace("core checked");
  pyodide.tailorStart = {
    snapshot: source !== "boot",
    source,
    reason: problem || fallback || "snapshot",
    ms: Math.round((performance.now() - started) * 10) / 10,
  };
  return pyodide;
}

/** Why a preferred snapshot cannot be tried ("" when it can): missing or a different size. */
function preferredProblem({ file, size }) {
  if (!file || !existsSync(file)) return `preferred snapshot missing: ${file}`;
  if (statSync(file).size !== size) return "preferred snapshot size differs from its record";
  return "";
}
