// Runs the language-neutral spec cases (tests/spec) inside real Pyodide, offline.
//
//   node edge/spec_runner.mjs [--artifact dist/edge] [--spec tests/spec] [--no-snapshot]
//
// Loads the edge artifact with the loader, copies runner.py, handlers/ and every *.json of
// the spec directory into the Pyodide file system, runs `runner.run_all()` there and prints
// {"file::case": result} as JSON on stdout (Python's own prints go to stderr).

import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadTailor } from "./pyodide_loader.mjs";

const ROOT = path.resolve(fileURLToPath(new URL("..", import.meta.url)));
const SPEC_FS_DIR = "/tailor_spec";

/** Every file of the spec tree worth copying: .py and .json, no caches. */
function specFiles(dir, prefix = "") {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== "__pycache__") out.push(...specFiles(full, `${prefix}${name}/`));
    } else if (name.endsWith(".py") || name.endsWith(".json")) {
      out.push([`${prefix}${name}`, readFileSync(full)]);
    }
  }
  return out;
}

async function main() {
  const { values } = parseArgs({
    options: {
      artifact: { type: "string", default: path.join(ROOT, "dist", "edge") },
      spec: { type: "string", default: path.join(ROOT, "tests", "spec") },
      "no-snapshot": { type: "boolean", default: false },
    },
  });
  const toStderr = (line) => process.stderr.write(line + "\n");
  const pyodide = await loadTailor({
    artifactDir: values.artifact,
    useSnapshot: !values["no-snapshot"],
    stdout: toStderr,
    stderr: toStderr,
  });
  const FS = pyodide.FS;
  for (const [name, bytes] of specFiles(path.resolve(values.spec))) {
    const full = `${SPEC_FS_DIR}/${name}`;
    FS.mkdirTree(full.slice(0, full.lastIndexOf("/")));
    FS.writeFile(full, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  const out = pyodide.runPython(`
import importlib, json, sys
sys.path.insert(0, ${JSON.stringify(SPEC_FS_DIR)})
import runner
json.dumps(runner.run_all(${JSON.stringify(SPEC_FS_DIR)}), sort_keys=True)
`);
  return out;
}

main().then(
  (out) => process.stdout.write(out + "\n", () => process.exit(0)),
  (err) => {
    process.stderr.write(`spec_runner: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
