// Consent records on their way to the origin (POST /v1/consent with the edge token): the
// primary batches what the workers saw, retries with backoff while the origin is down, and
// keeps a bounded in-memory queue (a record lost to an edge restart is re-sent: the edge
// records a choice again whenever the browser's tailor_cr cookie does not match it).

export class ConsentSender {
  constructor(send, { max = 10000, batch = 200, flushMs = 100, maxBackoffMs = 30000 } = {}) {
    this.send = send;
    this.max = max;
    this.batch = batch;
    this.flushMs = flushMs;
    this.maxBackoffMs = maxBackoffMs;
    this.queue = [];
    this.timer = null;
    this.busy = false;
    this.failures = 0;
    this.sent = 0;
    this.dropped = 0;
    this.lastError = null;
    this.stopped = false;
  }

  add(record) {
    if (!record || typeof record.visitor !== 'string') return;
    if (this.queue.length >= this.max) {
      this.queue.shift();
      this.dropped += 1;
    }
    this.queue.push(record);
    if (!this.timer && !this.busy && this.failures === 0) this.schedule(this.flushMs);
  }

  /** Forgets the queued records of an erased visitor. */
  drop(visitor) {
    const before = this.queue.length;
    this.queue = this.queue.filter((r) => r.visitor !== visitor);
    return before - this.queue.length;
  }

  schedule(ms) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = null; this.flush(); }, ms);
    this.timer.unref?.();
  }

  async flush() {
    if (this.busy || this.stopped || this.queue.length === 0) return;
    this.busy = true;
    const records = this.queue.slice(0, this.batch);
    let status = 0;
    try {
      status = await this.send(records);
    } catch (e) {
      this.lastError = String(e?.message || e);
    }
    this.busy = false;
    const done = status >= 200 && status < 300;
    const refused = status >= 400 && status < 500 && status !== 408 && status !== 429;
    if (done || refused) {
      // the records sent are the head of the queue unless an erasure removed some meanwhile
      const sent = new Set(records);
      this.queue = this.queue.filter((r) => !sent.has(r));
      if (done) this.sent += records.length;
      else {
        this.dropped += records.length;
        this.lastError = `origin refused consent records with ${status}`;
      }
      this.failures = 0;
      if (this.queue.length) this.schedule(0);
    } else {
      if (status) this.lastError = `origin answered ${status}`;
      this.failures += 1;
      const base = Math.min(this.maxBackoffMs, 250 * 2 ** Math.min(this.failures - 1, 10));
      this.schedule(base / 2 + Math.random() * base / 2);
    }
  }

  stop() { this.stopped = true; if (this.timer) clearTimeout(this.timer); }

  stats() {
    return { queued: this.queue.length, sent: this.sent, dropped: this.dropped,
      failures: this.failures, last_error: this.lastError };
  }
}
