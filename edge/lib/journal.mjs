// The forwarder's write-ahead journal: every acknowledged event is appended to a file
// before the visitor gets its 202, and removed only after the origin accepted it. So an
// origin outage or an edge restart loses nothing; the journal is bounded in bytes and a
// full journal refuses new events (503) rather than dropping acknowledged ones.

import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync,
  writeFileSync, writeSync, readFileSync, ftruncateSync } from 'node:fs';
import path from 'node:path';

export class JournalFull extends Error {}

export class Journal {
  constructor(dir, maxBytes) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'events.ndjson');
    this.offsetFile = path.join(dir, 'offset');
    this.maxBytes = maxBytes;
    this.compactBytes = 16 << 20;
    this.fd = openSync(this.file, 'a+');
    this.size = fstatSync(this.fd).size;
    this.offset = 0;
    if (existsSync(this.offsetFile)) {
      const v = Number(readFileSync(this.offsetFile, 'utf8').trim());
      if (Number.isInteger(v) && v >= 0 && v <= this.size) this.offset = v;
    }
    this.pending = this.countLines(this.offset, this.size);
  }

  countLines(from, to) {
    let n = 0;
    const buf = Buffer.alloc(65536);
    for (let pos = from; pos < to;) {
      const got = readSync(this.fd, buf, 0, Math.min(buf.length, to - pos), pos);
      if (got <= 0) break;
      for (let i = 0; i < got; i++) if (buf[i] === 10) n++;
      pos += got;
    }
    return n;
  }

  /** Appends events (one JSON line each); throws JournalFull past the byte bound. */
  append(events) {
    if (events.length === 0) return;
    const data = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n', 'utf8');
    if (this.size - this.offset + data.length > this.maxBytes) {
      throw new JournalFull('event journal is full while the origin is unreachable');
    }
    writeSync(this.fd, data, 0, data.length, this.size);
    this.size += data.length;
    this.pending += events.length;
  }

  /** Up to `max` pending events from the head: {events, bytes}. */
  peek(max) {
    const events = [];
    let pos = this.offset;
    const chunk = Buffer.alloc(Math.min(4 << 20, Math.max(0, this.size - pos)));
    const got = chunk.length ? readSync(this.fd, chunk, 0, chunk.length, pos) : 0;
    let start = 0;
    for (let i = 0; i < got && events.length < max; i++) {
      if (chunk[i] !== 10) continue;
      const line = chunk.toString('utf8', start, i);
      start = i + 1;
      try { events.push(JSON.parse(line)); } catch { /* a torn line: skip it */ }
    }
    return { events, bytes: start, lines: events.length };
  }

  /** Marks `bytes` from the head as delivered; compacts when everything is delivered. */
  ack(bytes, lines) {
    this.offset += bytes;
    this.pending = Math.max(0, this.pending - lines);
    if (this.offset >= this.size) {
      ftruncateSync(this.fd, 0);
      this.size = 0;
      this.offset = 0;
      this.pending = 0;
    } else if (this.offset > Math.min(this.compactBytes, this.maxBytes / 2)) {
      this.compact();
    }
    this.saveOffset();
  }

  saveOffset() {
    writeFileSync(this.offsetFile + '.tmp', String(this.offset));
    renameSync(this.offsetFile + '.tmp', this.offsetFile);
  }

  /**
   * Drops the delivered head when the origin never quite catches up (the file would
   * otherwise only shrink once fully drained): the rest moves to a new file, atomically.
   */
  compact() {
    const rest = Buffer.alloc(this.size - this.offset);
    readSync(this.fd, rest, 0, rest.length, this.offset);
    writeFileSync(this.file + '.tmp', rest);
    // offset 0 first: a crash between the renames replays delivered events (the origin
    // drops duplicate ids) instead of skipping undelivered ones
    writeFileSync(this.offsetFile + '.tmp', '0');
    renameSync(this.offsetFile + '.tmp', this.offsetFile);
    renameSync(this.file + '.tmp', this.file);
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a+');
    this.size = rest.length;
    this.offset = 0;
  }

  /**
   * Removes every pending event for which `drop(event)` is true (an erased visitor's) by
   * rewriting the undelivered rest atomically, as `compact` does; returns how many.
   */
  remove(drop) {
    const rest = Buffer.alloc(this.size - this.offset);
    if (rest.length) readSync(this.fd, rest, 0, rest.length, this.offset);
    const kept = [];
    let removed = 0;
    for (const line of rest.toString('utf8').split('\n')) {
      if (!line) continue;
      let e = null;
      try { e = JSON.parse(line); } catch { /* a torn line: dropped with the rest */ }
      if (e === null || drop(e)) removed += 1;
      else kept.push(line);
    }
    if (removed === 0) return 0;
    const data = Buffer.from(kept.length ? kept.join('\n') + '\n' : '', 'utf8');
    writeFileSync(this.file + '.tmp', data);
    writeFileSync(this.offsetFile + '.tmp', '0');
    renameSync(this.offsetFile + '.tmp', this.offsetFile);
    renameSync(this.file + '.tmp', this.file);
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a+');
    this.size = data.length;
    this.offset = 0;
    this.pending = kept.length;
    return removed;
  }

  close() {
    closeSync(this.fd);
  }
}

/**
 * Sends journaled events to the origin in batches, retrying with exponential backoff.
 * `send(events)` resolves to an HTTP status (or throws on network failure).
 */
export class Forwarder {
  constructor(journal, send, { batch = 200, flushMs = 200, maxBackoffMs = 30000 } = {}) {
    this.journal = journal;
    this.send = send;
    this.batch = batch;
    this.flushMs = flushMs;
    this.maxBackoffMs = maxBackoffMs;
    this.failures = 0;
    this.timer = null;
    this.busy = false;
    this.sent = 0;
    this.dropped = 0;
    this.lastError = null;
    this.stopped = false;
    this.holds = 0;
  }

  start() { if (this.journal.pending > 0) this.schedule(0); }

  stop() { this.stopped = true; if (this.timer) clearTimeout(this.timer); }

  /** Runs `fn` while no batch is in flight and none starts (e.g. an erasure's purge). */
  async exclusive(fn) {
    this.holds += 1; // no new batch starts from now on
    try {
      while (this.busy) await new Promise((resolve) => setTimeout(resolve, 5));
      this.busy = true;
      try {
        return await fn();
      } finally {
        this.busy = false;
      }
    } finally {
      this.holds -= 1;
      if (this.holds === 0 && this.journal.pending > 0) this.schedule(this.failures ? this.flushMs * 5 : 0);
    }
  }

  /** Called after an append: flush soon (batching whatever else arrives meanwhile). */
  notify() { if (!this.timer && !this.busy && this.failures === 0) this.schedule(this.flushMs); }

  schedule(ms) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = null; this.flush(); }, ms);
    this.timer.unref?.();
  }

  async flush() {
    if (this.busy || this.stopped || this.holds > 0) return;
    const { events, bytes, lines } = this.journal.peek(this.batch);
    if (lines === 0) return;
    this.busy = true;
    let status = 0;
    try {
      status = await this.send(events);
    } catch (e) {
      this.lastError = String(e?.message || e);
    }
    this.busy = false;
    if (status >= 200 && status < 300) {
      this.journal.ack(bytes, lines);
      this.sent += lines;
      this.failures = 0;
      if (this.journal.pending > 0) this.schedule(0);
    } else if (status === 413 && lines > 1) {
      // the origin takes fewer events per batch than we sent (its limit is its own
      // setting): send smaller batches from now on rather than drop any of these
      this.batch = Math.max(1, Math.floor(lines / 2));
      this.lastError = `origin refused a batch of ${lines} events as too large; batches are now ${this.batch}`;
      this.schedule(0);
    } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      // the origin refuses these events for good: drop them rather than block the queue
      this.journal.ack(bytes, lines);
      this.dropped += lines;
      this.lastError = `origin refused a batch with ${status}`;
      if (this.journal.pending > 0) this.schedule(0);
    } else {
      if (status) this.lastError = `origin answered ${status}`;
      this.failures += 1;
      const base = Math.min(this.maxBackoffMs, 250 * 2 ** Math.min(this.failures - 1, 10));
      this.schedule(base / 2 + Math.random() * base / 2);
    }
  }

  stats() {
    return { queue_depth: this.journal.pending, journal_bytes: this.journal.size - this.journal.offset,
      sent: this.sent, dropped: this.dropped, failures: this.failures, batch: this.batch,
      last_error: this.lastError };
  }
}
