// Makes the Pyodide memory snapshot of the edge artifact: boot, unpack the wheels, import and
// warm every core module (and edge.glue when shipped), then dump the interpreter's memory.
// A restored snapshot starts with all of that done, which is what makes a cold start fast.
//
//   node edge/make_snapshot.mjs --artifact dist/edge --out dist/edge/snapshot.bin \
//        --wheel dist/edge/msgpack-….whl --wheel dist/edge/tailor_core-….whl
//
// Wheels are unpacked with unpackArchive, never loadPackage: a snapshot taken after
// loadPackage fails to restore. Prints {"size", "modules", "errors", "pyodide_version"} as
// JSON; a module that fails to import is listed under "errors" (the build warns, and
// tests/test_edge_artifact.py fails) instead of stopping the build.
//
// With --bundle-payload FILE --bundle-version N (a payload whose signature the edge has
// checked), the bundle is also prepared and committed through edge.glue before the dump: a
// worker restoring that snapshot starts with the bundle live (edge/lib/bundle_snapshot.mjs).

import { readFileSync, writeFileSync, renameSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadPyodide } from "pyodide";
import { PYODIDE_VERSION, installWheel, pyodideOptions, sitePackages } from "./pyodide_loader.mjs";
import { PyHost } from "./lib/pyhost.mjs";

// Imports everything the edge needs, so a restored process never reads a module file again.
// edge.glue may define warm() to run a representative request once (fills caches, compiles
// regular expressions); it must leave no JS objects referenced from Python. It all runs inside
// one function so nothing but the imported modules stays behind in __main__.
const WARM = `
def _tailor_warm():
    import importlib, json, pkgutil, sys, traceback
    errors = {}

    def failed(name, exc):
        errors[name] = "".join(traceback.format_exception_only(exc)).strip()

    import core
    names = ["core"] + sorted(m.name for m in pkgutil.walk_packages(core.__path__, "core."))
    loaded = []
    for name in names:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as exc:
            failed(name, exc)
    import msgpack, msgpack.fallback
    assert not hasattr(msgpack, "_cmsgpack"), "msgpack C extension in the snapshot"
    loaded += ["msgpack", "msgpack.fallback"]
    try:
        import edge.glue as glue
    except ModuleNotFoundError as exc:
        if exc.name not in ("edge", "edge.glue"):
            failed("edge.glue", exc)
        glue = None
    except Exception as exc:
        failed("edge.glue", exc)
        glue = None
    if glue is not None:
        loaded += sorted(m for m in sys.modules if m == "edge" or m.startswith("edge.glue"))
        if callable(getattr(glue, "warm", None)):
            try:
                glue.warm()
            except Exception as exc:
                failed("edge.glue.warm()", exc)
    return json.dumps({"modules": loaded, "errors": errors})
`;

/** Stages and commits a bundle payload through the worker's own PyHost steps. */
function installBundle(pyodide, file, version) {
  const host = new PyHost(pyodide, pyodide.pyimport("edge.glue"));
  try {
    const staged = host.prepare(readFileSync(file), version);
    if (!staged.ok) throw new Error(`bundle rejected: ${staged.error}`);
    const live = host.commit(version);
    if (!live.ok) throw new Error(`bundle not committed: ${live.error}`);
  } finally {
    host.release(); // no proxy of ours stays in the dumped memory
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      artifact: { type: "string" },
      out: { type: "string" },
      wheel: { type: "string", multiple: true, default: [] },
      "bundle-payload": { type: "string" },
      "bundle-version": { type: "string" },
    },
  });
  if (!values.out || values.wheel.length === 0) {
    throw new Error("usage: make_snapshot.mjs --out FILE --wheel X.whl [--wheel …] [--artifact DIR]");
  }
  const pyodide = await loadPyodide(pyodideOptions(values.artifact, { _makeSnapshot: true }));
  const site = sitePackages(pyodide);
  for (const wheel of values.wheel) installWheel(pyodide, wheel, site);
  pyodide.runPython(WARM);
  const { modules, errors } = JSON.parse(pyodide.runPython("_tailor_warm()"));
  pyodide.runPython("del _tailor_warm");
  if (values["bundle-payload"]) installBundle(pyodide, values["bundle-payload"], Number(values["bundle-version"]));
  const snapshot = pyodide.makeMemorySnapshot();
  const out = path.resolve(values.out);
  writeFileSync(out + ".tmp", snapshot);
  renameSync(out + ".tmp", out);
  process.stdout.write(
    JSON.stringify({ size: snapshot.length, modules, errors, pyodide_version: PYODIDE_VERSION }) + "\n",
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`make_snapshot: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
