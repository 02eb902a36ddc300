// Coalesces the page path's events (the page view and its exposures) into one message to
// the primary's journal every few milliseconds, instead of one request and reply per page:
// under load a message per page cost the worker and the primary more than the journal
// write itself. Page events are acknowledged to nobody, so at most `flushMs` of them can
// go with a worker that dies, as a message in flight could before. Beacon events do not
// come here: a beacon is answered only once the primary has journaled its events.

export class PageEvents {
  constructor(ipc, { flushMs = 20, max = 500 } = {}) {
    this.ipc = ipc;
    this.flushMs = flushMs;
    this.max = max;
    this.pending = [];
    this.timer = null;
  }

  /** Queues events for the journal; sends at once when `max` are waiting. */
  add(events) {
    for (const e of events) this.pending.push(e);
    if (this.pending.length >= this.max) return this.flush();
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref?.();
    }
    return undefined;
  }

  /** Sends what is waiting (fire and forget: a full journal drops page events, as before). */
  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.ipc.send({ t: 'journal', events });
  }

  /** Drops what waits for an erased visitor. */
  forget(visitor) {
    this.pending = this.pending.filter((e) => !e || e.visitor !== visitor);
  }
}
