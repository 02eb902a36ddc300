// Calls one Python function inside Pyodide (with the Tailor core loaded) and prints its JSON
// result, so a benchmark can run the very same workload in CPython and in Pyodide.
//
//   node edge/pyrun.mjs --artifact dist/edge [--wheel X.whl ...] [--path DIR ...] \
//        --module bench.conditions --call run --args '{"n_visitors": 2000}' [--no-snapshot]
//
// --wheel: extra wheels to install (e.g. growthbook's pure-Python wheel).
// --path: host directories mounted (read through, nothing is copied) into the Pyodide FS at
//   the same absolute path and appended to sys.path, so `--path .` makes bench/ importable
//   while `core` still comes from the artifact's wheel.
// Python's own prints go to stderr; stdout carries only the result JSON.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadTailor } from "./pyodide_loader.mjs";

const ROOT = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const RESERVED = ["/lib", "/home", "/tmp", "/dev", "/proc"];

/** Where a host directory appears inside Pyodide: the same path unless it would collide. */
export function mountPoint(hostDir) {
  const clash = RESERVED.some((r) => hostDir === r || hostDir.startsWith(r + "/"));
  return clash ? `/host${hostDir}` : hostDir;
}

async function main() {
  const { values } = parseArgs({
    options: {
      artifact: { type: "string", default: path.join(ROOT, "dist", "edge") },
      wheel: { type: "string", multiple: true, default: [] },
      path: { type: "string", multiple: true, default: [] },
      module: { type: "string" },
      call: { type: "string" },
      args: { type: "string", default: "{}" },
      "no-snapshot": { type: "boolean", default: false },
    },
  });
  if (!values.module || !values.call) {
    throw new Error("usage: pyrun.mjs --module MOD --call FUNC [--args JSON] [--path DIR] …");
  }
  const kwargs = JSON.parse(values.args);
  if (kwargs === null || typeof kwargs !== "object" || Array.isArray(kwargs)) {
    throw new Error("--args must be a JSON object (keyword arguments)");
  }
  const toStderr = (line) => process.stderr.write(line + "\n");
  const pyodide = await loadTailor({
    artifactDir: values.artifact,
    useSnapshot: !values["no-snapshot"],
    extraWheels: values.wheel.map((w) => path.resolve(w)),
    stdout: toStderr,
    stderr: toStderr,
  });
  const mounts = [];
  for (const dir of values.path) {
    const host = path.resolve(dir);
    const at = mountPoint(host);
    pyodide.FS.mkdirTree(at);
    pyodide.mountNodeFS(at, host);
    mounts.push(at);
  }
  const run = pyodide.runPython(`
import importlib, json, sys
def _tailor_pyrun(mounts, module, func, kwargs_json):
    for mount in mounts:
        if mount not in sys.path:
            sys.path.append(mount)
    fn = getattr(importlib.import_module(module), func)
    return json.dumps(fn(**json.loads(kwargs_json)), sort_keys=True)
_tailor_pyrun
`);
  try {
    return run(pyodide.toPy(mounts), values.module, values.call, JSON.stringify(kwargs));
  } finally {
    run.destroy();
  }
}

main().then(
  (out) => process.stdout.write(out + "\n", () => process.exit(0)),
  (err) => {
    process.stderr.write(`pyrun: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
