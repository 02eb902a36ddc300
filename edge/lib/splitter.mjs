// Splits an HTML page once, when it enters the cache, into static chunks and the
// `data-tailor-slot` elements between them, so each request is a decision plus a join.
// The tokenizer is forgiving: comments, raw-text elements, quoted attributes holding `>`,
// void elements and nested elements of the slot's own tag name are handled; a slot that
// never closes is left as plain page content (it keeps its default, nothing breaks).

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link',
  'meta', 'param', 'source', 'track', 'wbr']);
const RAW = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript']);
const SLOT_ATTR = /(?:^|[\s"'])data-tailor-slot\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;

/** Reads one tag starting at `lt` (html[lt] === '<'). Returns null when it is not a tag. */
export function readTag(html, lt) {
  const n = html.length;
  let i = lt + 1;
  let closing = false;
  if (html[i] === '/') { closing = true; i++; }
  const nameStart = i;
  while (i < n && /[A-Za-z0-9:-]/.test(html[i])) i++;
  if (i === nameStart || !/[A-Za-z]/.test(html[nameStart])) return null;
  const name = html.slice(nameStart, i).toLowerCase();
  const attrStart = i;
  let quote = '';
  for (; i < n; i++) {
    const c = html[i];
    if (quote) { if (c === quote) quote = ''; continue; }
    if (c === '"' || c === "'") {
      // only a quote that opens an attribute value (after `=`) starts a quoted run
      let j = i - 1;
      while (j > attrStart && /\s/.test(html[j])) j--;
      if (html[j] === '=') quote = c;
      continue;
    }
    if (c === '>') {
      const attrs = html.slice(attrStart, i);
      const selfClosing = attrs.trimEnd().endsWith('/');
      return { name, closing, attrs, end: i + 1, selfClosing };
    }
  }
  return { name, closing, attrs: html.slice(attrStart), end: n, selfClosing: false, open: true };
}

/** Index just past the next comment/doctype/processing construct starting at lt, or -1. */
function skipSpecial(html, lt) {
  if (html.startsWith('<!--', lt)) {
    const e = html.indexOf('-->', lt + 4);
    return e < 0 ? html.length : e + 3;
  }
  if (html[lt + 1] === '!' || html[lt + 1] === '?') {
    const e = html.indexOf('>', lt + 2);
    return e < 0 ? html.length : e + 1;
  }
  return -1;
}

function skipRaw(html, name, from) {
  const re = new RegExp(`</${name}[\\s>/]`, 'ig');
  re.lastIndex = from;
  const m = re.exec(html);
  return m ? m.index : html.length;
}

/**
 * Splits `html` into {chunks: [str], slots: [{name, defaultHtml}]} with
 * chunks.length === slots.length + 1: page = chunks[0] + slot0 + chunks[1] + ...
 * Each chunk keeps the slot element's own open and close tags around the slot content.
 */
export function splitPage(html) {
  const chunks = [];
  const slots = [];
  let last = 0;
  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    const sp = skipSpecial(html, lt);
    if (sp >= 0) { i = sp; continue; }
    const tag = readTag(html, lt);
    if (!tag) { i = lt + 1; continue; }
    i = tag.end;
    if (tag.closing) continue;
    if (RAW.has(tag.name) && !tag.selfClosing) {
      i = skipRaw(html, tag.name, tag.end);
      continue;
    }
    const m = SLOT_ATTR.exec(tag.attrs);
    if (!m || VOID.has(tag.name) || tag.selfClosing || tag.open) continue;
    const slotName = m[1] ?? m[2] ?? m[3];
    const close = findClose(html, tag.name, tag.end);
    if (!close) continue; // unclosed: leave it as page content
    chunks.push(html.slice(last, tag.end));
    slots.push({ name: slotName, defaultHtml: html.slice(tag.end, close.start) });
    last = close.start;
    i = close.end;
  }
  chunks.push(html.slice(last));
  return { chunks, slots };
}

/** The matching close tag of `name` from `from`, counting nested same-name elements. */
function findClose(html, name, from) {
  let depth = 1;
  let i = from;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) return null;
    const sp = skipSpecial(html, lt);
    if (sp >= 0) { i = sp; continue; }
    const tag = readTag(html, lt);
    if (!tag) { i = lt + 1; continue; }
    i = tag.end;
    if (tag.open) return null;
    if (!tag.closing && RAW.has(tag.name) && !tag.selfClosing) {
      i = skipRaw(html, tag.name, tag.end);
      continue;
    }
    if (tag.name !== name) continue;
    if (tag.closing) {
      depth -= 1;
      if (depth === 0) return { start: lt, end: tag.end };
    } else if (!tag.selfClosing && !VOID.has(name)) {
      depth += 1;
    }
  }
  return null;
}

/** Pre-encodes a split page so a request only joins buffers. */
export function compilePage(html) {
  const { chunks, slots } = splitPage(html);
  const names = [...new Set(slots.map((s) => s.name))];
  return {
    chunks: chunks.map((c) => Buffer.from(c, 'utf8')),
    slots: slots.map((s) => ({ name: s.name, defaultBuf: Buffer.from(s.defaultHtml, 'utf8') })),
    slotNames: names,
    whole: Buffer.from(html, 'utf8'),
  };
}

/** Joins a compiled page with per-slot fragments (null/undefined keeps the default). */
export function joinPage(page, fills) {
  if (page.slots.length === 0) return page.whole;
  const parts = [];
  for (let k = 0; k < page.slots.length; k++) {
    parts.push(page.chunks[k]);
    const s = page.slots[k];
    const html = fills ? fills[s.name] : null;
    parts.push(typeof html === 'string' ? Buffer.from(html, 'utf8') : s.defaultBuf);
  }
  parts.push(page.chunks[page.chunks.length - 1]);
  return Buffer.concat(parts);
}
