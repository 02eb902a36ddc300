// Bundle checks that happen in JS before any byte reaches Python: the envelope, the
// Ed25519 signature (node:crypto) and the header. Errors carry an HTTP status and a reason.

import { createPublicKey, verify } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { decode } from './msgpack.mjs';

const PREFIX = Buffer.from('tailor-bundle-v1\n', 'utf8');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export class BundleRejected extends Error {
  constructor(status, reason) {
    super(reason);
    this.status = status;
  }
}

/** A KeyObject from a PEM file, a PEM string, or raw 32 bytes in base64 (file or value). */
export function loadPublicKey(spec) {
  let text = String(spec).trim();
  if (existsSync(text)) text = readFileSync(text, 'utf8').trim();
  if (text.includes('-----BEGIN')) return createPublicKey(text);
  const raw = Buffer.from(text, 'base64');
  if (raw.length !== 32) throw new Error('public key: expected PEM or 32 raw bytes in base64');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
}

/**
 * Checks a bundle file's envelope, signature and header.
 * Returns {header, payload (Buffer)}; throws BundleRejected.
 */
export function verifyBundle(bytes, publicKey) {
  let env;
  try {
    env = decode(bytes);
  } catch (e) {
    throw new BundleRejected(400, `not a msgpack bundle: ${e.message}`);
  }
  if (!env || typeof env !== 'object' || Array.isArray(env)) {
    throw new BundleRejected(400, 'bundle is not a map');
  }
  for (const f of ['header_raw', 'payload', 'signature']) {
    if (!Buffer.isBuffer(env[f])) throw new BundleRejected(400, `bundle.${f} missing or not bin`);
  }
  if (env.signature.length !== 64) throw new BundleRejected(400, 'bundle.signature is not 64 bytes');
  const signed = Buffer.concat([PREFIX, env.header_raw, env.payload]);
  let ok = false;
  try {
    ok = verify(null, signed, publicKey, env.signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new BundleRejected(403, 'bad signature: bundle not signed by the configured key');
  let header;
  try {
    header = decode(env.header_raw);
  } catch (e) {
    throw new BundleRejected(400, `header_raw is not msgpack: ${e.message}`);
  }
  if (!header || typeof header !== 'object') throw new BundleRejected(400, 'header is not a map');
  if (header.schema !== 1) throw new BundleRejected(400, `unsupported schema ${header.schema}`);
  if (!Number.isInteger(header.version) || header.version < 1) {
    throw new BundleRejected(400, 'header.version must be a positive integer');
  }
  return { header, payload: Buffer.from(env.payload) };
}
