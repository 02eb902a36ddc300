// The edge artifact's manifest.json (written by build/edge_artifact.py), read without loading
// Pyodide: the primary needs the artifact's identity and wheels, never the runtime itself.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

export const MANIFEST_NAME = "manifest.json";

/** The artifact's manifest.json, or null when there is none. */
export function readManifest(artifactDir) {
  const file = path.join(artifactDir, MANIFEST_NAME);
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, "utf8"));
}

/** The wheel files the artifact ships, in install order (dependencies first). */
export function artifactWheels(manifest, artifactDir) {
  if (manifest && Array.isArray(manifest.wheels)) {
    return manifest.wheels.map((w) => path.join(artifactDir, w.file));
  }
  throw new Error(`no ${MANIFEST_NAME} in ${artifactDir}: run \`make artifact\``);
}
