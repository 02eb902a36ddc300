// Request/reply over a cluster IPC channel, both ways: a worker asks the primary to journal
// events or swap a bundle; the primary asks workers to prepare, commit or report stats.

export class Ipc {
  constructor(channel, handler) {
    this.channel = channel;
    this.handler = handler;
    this.next = 1;
    this.waiting = new Map();
    channel.on('message', (msg) => this.onMessage(msg));
  }

  onMessage(msg) {
    if (!msg || typeof msg !== 'object') return;
    if (msg.t === 'reply') {
      const w = this.waiting.get(msg.rid);
      if (!w) return;
      this.waiting.delete(msg.rid);
      clearTimeout(w.timer);
      w.resolve(msg.body);
      return;
    }
    Promise.resolve()
      .then(() => this.handler(msg))
      .then((body) => { if (msg.rid) this.send({ t: 'reply', rid: msg.rid, body }); },
        (err) => {
          if (msg.rid) this.send({ t: 'reply', rid: msg.rid, body: { ok: false, error: String(err?.message || err) } });
        });
  }

  send(msg) {
    try {
      if (this.channel.connected !== false && this.channel.isConnected?.() !== false) this.channel.send(msg);
    } catch { /* the other side is gone */ }
  }

  /** Sends `msg` and resolves with the other side's reply (rejects after `timeoutMs`). */
  request(msg, timeoutMs = 10000) {
    const rid = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(rid);
        reject(new Error(`ipc ${msg.t} timed out`));
      }, timeoutMs);
      this.waiting.set(rid, { resolve, timer });
      this.send({ ...msg, rid });
    });
  }

  /** Fails every outstanding request (the other side exited). */
  failAll(reason) {
    for (const [rid, w] of this.waiting) {
      clearTimeout(w.timer);
      w.resolve({ ok: false, error: reason });
      this.waiting.delete(rid);
    }
  }
}
