// qualcode's coding widget (anywidget front end). The kernel holds the project; this file only draws the
// synchronised state and sends the person's actions as messages {seq, action, ...}. Offsets exchanged with
// the kernel are code points into the document's text; the browser's strings count UTF-16 units.

const COLOR = /^#[0-9a-fA-F]{6}$/;
const ASTRAL = /[\uD800-\uDFFF]/;
const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ESC[c]);
const colour = (c) => (COLOR.test(c || "") ? c : "#8c8c8c");
const clip = (s, n = 70) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

// A block's text sliced by code points (identity when it has no character outside the BMP).
function slicer(text) {
  if (!ASTRAL.test(text)) return (a, b) => text.slice(a, b);
  const points = Array.from(text);
  return (a, b) => points.slice(a, b).join("");
}
const points = (s) => (ASTRAL.test(s) ? Array.from(s).length : s.length);

const SKELETON = `
<div class="qc-cw-bar">
  <span class="qc-cw-docs"><button data-go="-1" title="Previous document ([)">◀</button>
    <select class="qc-cw-doc-select" aria-label="Document"></select>
    <button data-go="1" title="Next document (])">▶</button></span>
  <label>Code <select class="qc-cw-filter" aria-label="Show code"></select></label>
  <span class="qc-cw-open"><button data-step="-1" title="Previous open automatic coding (p)">↑</button>
    <span class="qc-cw-open-n"></span>
    <button data-step="1" title="Next open automatic coding (n)">↓</button></span>
  <span class="qc-cw-selection"></span>
</div>
<div class="qc-cw-banner" hidden></div>
<div class="qc-cw-status" role="status" aria-live="polite"></div>
<div class="qc-cw-main">
  <div class="qc-cw-palette" role="toolbar" aria-label="Codes">
    <div class="qc-cw-codes"></div>
    <input class="qc-cw-new" placeholder="new code id, Enter" aria-label="New code">
  </div>
  <div class="qc-cw-doc qc-transcript"></div>
</div>
<div class="qc-cw-memo">
  <div class="qc-cw-memo-target"></div>
  <ul class="qc-cw-memo-list"></ul>
  <textarea class="qc-cw-memo-text" rows="2" placeholder="Write a memo (Ctrl+Enter saves)"></textarea>
  <button class="qc-cw-memo-save">Save memo</button>
</div>`;

function render({ model, el }) {
  const started = performance.now();
  const root = document.createElement("div");
  root.className = "qc-cw qc-root";
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true"); // JupyterLab: our keys are not notebook shortcuts
  root.innerHTML = SKELETON;
  el.appendChild(root);
  const $ = (selector) => root.querySelector(selector);
  const docEl = $(".qc-cw-doc");

  const seen = {}; // the model's values last drawn, by name
  const ui = { selection: null, focus: null, seq: 0, pending: new Map(), keys: [], byId: new Map(), lastRefresh: 0 };
  let codes = [], byCode = new Map(), blocks = [], perBlock = [], open = [];

  const get = (name) => model.get(name);
  const readOnly = () => get("read_only") || "";

  function say(message, ok = true) {
    const status = $(".qc-cw-status");
    status.textContent = message || "";
    status.className = "qc-cw-status" + (message ? (ok ? " qc-cw-ok" : " qc-cw-error") : "");
  }

  function send(action, fields, onOk) {
    if (action !== "refresh" && readOnly()) return say(readOnly(), false);
    const seq = ++ui.seq;
    ui.pending.set(seq, { t0: performance.now(), action, onOk });
    ui.drawMs = 0;
    model.send({ seq, action, ...fields });
    return true;
  }

  // --- drawing ------------------------------------------------------------------------------------------

  function drawCodes() {
    codes = get("codes") || [];
    byCode = new Map(codes.map((c) => [c.id, c]));
    $(".qc-cw-codes").innerHTML = codes
      .map((c) => {
        const style = `--c:${colour(c.color)};--t:${colour(c.tint)};padding-left:${0.4 + 0.9 * c.depth}rem`;
        const counts = `<span class="qc-cw-n" title="your codings here">${c.n || ""}</span>` +
          (c.open ? `<span class="qc-cw-n-open" title="open automatic codings here">+${c.open}</span>` : "");
        return `<button class="qc-cw-code" data-code="${esc(c.id)}" style="${style}" title="${esc(c.definition || c.id)}">` +
          `<kbd>${esc(c.key)}</kbd><span class="qc-cw-sw"></span><span class="qc-cw-label">${esc(c.label)}</span>${counts}</button>`;
      })
      .join("");
    const filter = $(".qc-cw-filter");
    filter.innerHTML = `<option value="">all</option>` +
      codes.map((c) => `<option value="${esc(c.id)}">${"\u00a0".repeat(2 * c.depth)}${esc(c.label)}</option>`).join("");
    filter.value = get("filter") || "";
  }

  function drawDocuments() {
    const select = $(".qc-cw-doc-select");
    select.innerHTML = (get("documents") || []).map((d) => `<option value="${esc(d)}">${esc(d)}</option>`).join("");
    select.value = get("document");
  }

  function index() {
    // Each coding's blocks: a sweep from its first overlapping block (binary search) to its last.
    const codings = (get("codings") || []).filter((c) => !get("filter") || c.code === get("filter"));
    ui.byId = new Map((get("codings") || []).map((c) => [c.id, c]));
    perBlock = blocks.map(() => []);
    const ends = blocks.map((b) => b.e);
    for (const c of codings) {
      let lo = 0, hi = blocks.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (ends[mid] <= c.s) lo = mid + 1; else hi = mid; }
      let first = true;
      for (let i = lo; i < blocks.length && blocks[i].s < c.e; i++) {
        if (blocks[i].e > c.s) {
          perBlock[i].push({ c, first });
          first = false;
        }
      }
    }
    open = codings.filter((c) => c.kind !== "human").sort((a, b) => a.s - b.s || a.id - b.id);
    $(".qc-cw-open-n").textContent = `${open.length} open`;
  }

  function blockKey(i) {
    const f = ui.focus;
    return perBlock[i].map(({ c }) => `${c.id}:${c.code}:${c.kind}:${c.memos}:${c.s}:${c.e}${c.id === f ? "*" : ""}`).join(",");
  }

  function pieceStyle(human, proposals) {
    const style = [];
    if (human.length === 1) style.push(`--bg:${colour(byCode.get(human[0].code)?.tint)}`);
    else if (human.length > 1) {
      const step = 100 / human.length;
      const bands = human.map((c, k) => `${colour(byCode.get(c.code)?.tint)} ${k * step}% ${(k + 1) * step}%`);
      style.push(`--bg:linear-gradient(${bands.join(",")})`);
    }
    if (proposals.length) style.push(`--u:${colour(byCode.get(proposals[0].code)?.color)}`);
    return style.join(";");
  }

  function blockHtml(i) {
    const b = blocks[i];
    const here = perBlock[i].map((x) => x.c);
    const cut = slicer(b.text);
    const cuts = new Set([b.s, b.e]);
    for (const c of here) { cuts.add(Math.max(b.s, c.s)); cuts.add(Math.min(b.e, c.e)); }
    const sorted = [...cuts].sort((x, y) => x - y);
    const pieces = [];
    for (let k = 0; k + 1 < sorted.length; k++) {
      const a = sorted[k], z = sorted[k + 1];
      const over = here.filter((c) => c.s <= a && c.e >= z && c.e > a);
      const human = over.filter((c) => c.kind === "human"), proposals = over.filter((c) => c.kind !== "human");
      const cls = ["qc-cw-p"];
      if (human.length) cls.push("qc-cw-h");
      if (proposals.length) cls.push(proposals.some((c) => c.kind === "suggestion") ? "qc-cw-s" : "qc-cw-a");
      if (over.some((c) => c.id === ui.focus)) cls.push("qc-cw-focus");
      const ids = over.map((c) => c.id).join(" ");
      pieces.push(`<span class="${cls.join(" ")}" data-o="${a}" data-c="${ids}" style="${pieceStyle(human, proposals)}">` +
        `${esc(cut(a - b.s, z - b.s))}</span>`);
    }
    const kinds = new Map(); // code -> "human" wins over proposals for the bar
    for (const c of here) if (kinds.get(c.code) !== "human") kinds.set(c.code, c.kind);
    const bars = [...kinds].map(([code, kind]) =>
      `<span class="qc-bar qc-cw-bar-${kind}" style="--c:${colour(byCode.get(code)?.color)}" title="${esc(byCode.get(code)?.label || code)}"></span>`).join("");
    const chips = perBlock[i].filter((x) => x.first).map(({ c }) => chipHtml(c)).join("");
    const cls = [`qc-block qc-${b.kind}`];
    if (b.level) cls.push(`qc-level-${b.level}`);
    if (b.role) cls.push(`qc-role-${b.role.replace(/[^\w-]/g, "")}`);
    if (get("filter") && !here.length) cls.push("qc-cw-out");
    const speaker = b.speaker ? `<span class="qc-speaker${b.first ? "" : " qc-cont"}">${esc(b.speaker)}</span>` : "";
    const time = b.time ? `<span class="qc-time">${esc(b.time)}</span>` : "";
    return `<div class="${cls.join(" ")}" data-b="${i}"><div class="qc-bars" aria-hidden="true">${bars}</div>` +
      `<div class="qc-text">${time}${speaker}${pieces.join("")}</div><div class="qc-margin">${chips}</div></div>`;
  }

  function chipHtml(c) {
    const code = byCode.get(c.code) || { label: c.code, color: "", tint: "" };
    const style = `--c:${colour(code.color)};--t:${colour(code.tint)}`;
    const who = c.kind === "human" ? (c.decision === "accepted" ? "accepted" : "coded by hand") :
      c.kind === "suggestion" ? "suggestion" : `automatic (${c.coder}${c.rule ? ", rule " + c.rule : ""})`;
    const buttons = c.kind === "human"
      ? `<button data-act="remove" title="Remove (Delete)">×</button>`
      : `<button data-act="accept" title="Accept (a)">✓</button><button data-act="reject" title="Reject (r)">✗</button>`;
    const memos = c.memos ? `<span class="qc-cw-memos" title="memos">✎${c.memos}</span>` : "";
    return `<span class="qc-cw-chip qc-cw-${c.kind}${c.id === ui.focus ? " qc-cw-focus" : ""}" data-id="${c.id}" style="${style}" ` +
      `title="${esc(code.label)}: ${esc(who)}"><span class="qc-cw-chip-label">${esc(code.label)}</span>${memos}${buttons}</span>`;
  }

  function drawBlocks(all) {
    index();
    if (all) {
      docEl.innerHTML = blocks.map((_, i) => blockHtml(i)).join("");
      ui.keys = blocks.map((_, i) => blockKey(i));
      return;
    }
    const els = docEl.children;
    for (let i = 0; i < blocks.length; i++) {
      const key = blockKey(i);
      if (key !== ui.keys[i] || (get("filter") ? !perBlock[i].length : false) !== els[i].classList.contains("qc-cw-out")) {
        const holder = document.createElement("div");
        holder.innerHTML = blockHtml(i);
        els[i].replaceWith(holder.firstElementChild);
        ui.keys[i] = key;
      }
    }
  }

  function drawMemos() {
    const focus = ui.byId.get(ui.focus);
    const memos = (get("memos") || []).filter((m) => (focus ? m.coding === focus.id : m.coding === null && !m.code));
    const label = focus ? (byCode.get(focus.code)?.label || focus.code) : null;
    $(".qc-cw-memo-target").textContent = focus
      ? `Memo on the coding ${label} “${clip(textOf(focus.s, focus.e), 50)}”`
      : `Memo on the document ${get("document")}`;
    $(".qc-cw-memo-list").innerHTML = memos
      .map((m) => `<li><span class="qc-cw-memo-author">${esc(m.author)}</span> ${esc(m.text)}</li>`).join("");
  }

  function textOf(s, e) {
    return blocks.filter((b) => b.e > s && b.s < e).map((b) => slicer(b.text)(Math.max(0, s - b.s), Math.min(b.e, e) - b.s)).join(" ");
  }

  function drawSelection() {
    const s = ui.selection;
    $(".qc-cw-selection").textContent = s ? `Selected “${clip(s.text, 40)}”: press a code's number or click it` : "";
  }

  function drawBanner() {
    const banner = $(".qc-cw-banner");
    const messages = [readOnly(), get("note")].filter(Boolean);
    banner.hidden = !messages.length;
    banner.textContent = messages.join(" ");
    root.classList.toggle("qc-cw-readonly", !!readOnly());
  }

  function sync() {
    ui.syncStart = performance.now();
    syncNow();
    ui.drawMs += performance.now() - ui.syncStart;
  }

  function syncNow() {
    const changed = (name) => { const v = get(name); if (seen[name] === v) return false; seen[name] = v; return true; };
    const newBlocks = changed("blocks"), newDoc = changed("document");
    const newCodes = changed("codes"), newCodings = changed("codings"), newFilter = changed("filter");
    if (changed("documents") || newDoc) drawDocuments();
    if (newCodes) drawCodes();
    if (newBlocks || newDoc) {
      blocks = get("blocks") || [];
      ui.selection = null; ui.focus = null; drawSelection();
      const t0 = performance.now();
      drawBlocks(true);
      root.dataset.qcDrawMs = (performance.now() - t0).toFixed(1);
    } else if (newCodes || newCodings || newFilter) {
      if (newFilter) $(".qc-cw-filter").value = get("filter") || "";
      drawBlocks(false);
    }
    if (ui.focus !== null && !ui.byId.has(ui.focus)) ui.focus = null;
    if (changed("memos") || newCodings || newDoc) drawMemos();
    if (changed("read_only") | changed("note")) drawBanner();
    if (changed("status")) settle(get("status") || {});
  }

  function settle(status) {
    const pending = ui.pending.get(status.seq);
    if (!pending) return;
    ui.pending.delete(status.seq);
    if (pending.action !== "refresh") {
      root.dataset.qcLastAction = pending.action;
      root.dataset.qcLastActionMs = (performance.now() - pending.t0).toFixed(1);
      const now = performance.now(), came = arrived > pending.t0 ? arrived : ui.syncStart;
      root.dataset.qcLastDrawMs = (ui.drawMs + now - ui.syncStart).toFixed(1); // drawing the answer
      root.dataset.qcLastWaitMs = (came - pending.t0).toFixed(1); // from sending to the answer's arrival
      root.dataset.qcLastKernelMs = String(status.ms ?? ""); // the time in the kernel
      root.dataset.qcActions = String(Number(root.dataset.qcActions || 0) + 1);
      say(status.message, status.ok);
    }
    if (status.ok && pending.onOk) pending.onOk();
    else if (!status.ok) focusOn(ui.focus, false); // drawn as it stands (a chip clicked is focused)
  }

  let scheduled = false;
  const schedule = () => {
    if (!scheduled) { scheduled = true; queueMicrotask(() => { scheduled = false; sync(); }); }
  };
  const NAMES = ["blocks", "document", "documents", "codes", "codings", "memos", "filter", "read_only", "note", "status"];
  for (const name of NAMES) model.on(`change:${name}`, schedule);

  // --- actions ------------------------------------------------------------------------------------------

  function focusOn(id, scroll = true) {
    const previous = ui.focus;
    ui.focus = id;
    drawBlocks(false);
    drawMemos();
    if (id !== null && scroll) {
      const c = ui.byId.get(id);
      const i = blocks.findIndex((b) => b.e > c.s);
      docEl.children[i]?.scrollIntoView({ block: "center", behavior: "instant" });
    }
    return previous;
  }

  function step(direction) {
    if (!open.length) return say("No open automatic coding here.", true);
    const at = ui.byId.get(ui.focus);
    const after = (c) => !at || (direction > 0 ? (c.s > at.s || (c.s === at.s && c.id > at.id)) : (c.s < at.s || (c.s === at.s && c.id < at.id)));
    const candidates = open.filter(after);
    const next = direction > 0 ? candidates[0] : candidates[candidates.length - 1];
    if (!next) return say(direction > 0 ? "That was the last open automatic coding of this document." : "That was the first one.", true);
    focusOn(next.id);
  }

  function applyCode(code, newCode = false) {
    const s = ui.selection;
    if (!s) return say("Select a passage of the transcript first, then press the code's number or click it.", false);
    send("code", { code, start: s.s, end: s.e, text: s.text, new_code: newCode }, () => {
      ui.selection = null;
      window.getSelection()?.removeAllRanges();
      drawSelection();
    });
  }

  function decide(action) {
    const c = ui.byId.get(ui.focus);
    if (!c) return say("Focus a coding first: click its chip in the margin, or press n.", false);
    if (action === "remove" && c.kind !== "human") return say("This is an automatic coding: accept (a) or reject (r) it.", false);
    if (action !== "remove" && c.kind === "human") return say("This coding is yours already; Delete removes it.", false);
    const rest = open.filter((o) => o.id !== c.id && (o.s > c.s || (o.s === c.s && o.id > c.id)));
    return send(action, { id: c.id }, () => { if (rest.length && action !== "remove") focusOn(rest[0].id); });
  }

  function saveMemo() {
    const area = $(".qc-cw-memo-text");
    const text = area.value.trim();
    if (!text) return say("The memo is empty: write its text first.", false);
    const focus = ui.byId.get(ui.focus);
    send("memo", { text, coding: focus ? focus.id : null }, () => { area.value = ""; });
  }

  function goDocument(delta) {
    const ids = get("documents") || [];
    const next = ids[ids.indexOf(get("document")) + delta];
    if (next !== undefined) setDocument(next);
  }

  function setDocument(id) {
    model.set("document", id);
    model.save_changes();
  }

  // The selection, in code points of the document, captured on mouseup (a click elsewhere may clear it).
  function pointOffset(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const piece = node.parentElement?.closest("[data-o]");
      if (piece && docEl.contains(piece)) return Number(piece.dataset.o) + points(node.data.slice(0, offset));
      const block = node.parentElement?.closest("[data-b]");
      return block ? blocks[Number(block.dataset.b)].s : null; // in a speaker label or time
    }
    const child = node.childNodes[offset];
    const walker = document.createTreeWalker(docEl, NodeFilter.SHOW_ELEMENT, { acceptNode: (n) => (n.dataset.o !== undefined ? 1 : 3) });
    if (child) {
      walker.currentNode = child;
      const piece = child.dataset?.o !== undefined ? child : walker.nextNode();
      if (piece) return Number(piece.dataset.o);
    }
    const block = (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement)?.closest?.("[data-b]");
    return block ? blocks[Number(block.dataset.b)].e : null;
  }

  function capture() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return;
    const range = sel.getRangeAt(0);
    if (!docEl.contains(range.commonAncestorContainer)) return;
    let s = pointOffset(range.startContainer, range.startOffset), e = pointOffset(range.endContainer, range.endOffset);
    if (s === null || e === null || e <= s) return;
    let text = textBetween(s, e);
    const lead = text.length - text.trimStart().length, trail = text.length - text.trimEnd().length;
    s += points(text.slice(0, lead)); e -= points(text.slice(text.length - trail));
    text = text.trim();
    if (!text) return;
    ui.selection = { s, e, text };
    drawSelection();
  }

  function textBetween(s, e) {
    // The exact stored text of [s, e), gaps between blocks included (they are whitespace: "\n", "\n\n").
    let out = "", at = s;
    for (const b of blocks) {
      if (b.e <= s || b.s >= e) continue;
      if (b.s > at) out += "\n".repeat(b.s - at);
      out += slicer(b.text)(Math.max(at, b.s) - b.s, Math.min(e, b.e) - b.s);
      at = Math.min(e, b.e);
    }
    return out + (at < e ? "\n".repeat(e - at) : "");
  }

  function onKey(event) {
    const target = event.target;
    if (target.closest("textarea, input, select")) {
      if (target.matches(".qc-cw-memo-text") && event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); saveMemo(); }
      else if (target.matches(".qc-cw-new") && event.key === "Enter") { event.preventDefault(); applyCode(target.value.trim(), true); }
      else if (event.key === "Escape") root.focus();
      event.stopPropagation();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const code = codes.find((c) => c.key && c.key === event.key);
    const keys = { a: () => decide("accept"), r: () => decide("reject"), Delete: () => decide("remove"), Backspace: () => decide("remove"),
      n: () => step(1), p: () => step(-1), "[": () => goDocument(-1), "]": () => goDocument(1),
      m: () => $(".qc-cw-memo-text").focus(), Escape: () => { ui.selection = null; drawSelection(); focusOn(null, false); } };
    const act = code ? () => applyCode(code.id) : keys[event.key];
    if (act) { event.preventDefault(); event.stopPropagation(); act(); }
  }

  function onClick(event) {
    const button = event.target.closest("button");
    const chip = event.target.closest(".qc-cw-chip");
    if (chip) {
      if (!button?.dataset.act) return focusOn(Number(chip.dataset.id), false);
      ui.focus = Number(chip.dataset.id); // drawn with the answer, so that nothing delays sending
      if (!decide(button.dataset.act)) focusOn(ui.focus, false);
      return;
    }
    if (button?.dataset.code !== undefined) return applyCode(button.dataset.code);
    if (button?.dataset.go) return goDocument(Number(button.dataset.go));
    if (button?.dataset.step) return step(Number(button.dataset.step));
    if (button?.matches(".qc-cw-memo-save")) return saveMemo();
    const piece = event.target.closest(".qc-cw-p");
    if (piece && piece.dataset.c && window.getSelection()?.isCollapsed) focusOn(Number(piece.dataset.c.split(" ")[0]), false);
  }

  const onMouseUp = (event) => {
    if (docEl.contains(event.target)) capture();
    if (!event.target.closest("textarea, input, select")) root.focus({ preventScroll: true });
  };
  const onKeyUp = (event) => { if (event.shiftKey && docEl.contains(window.getSelection()?.anchorNode)) capture(); };
  const onEnter = () => {
    if (performance.now() - ui.lastRefresh > 2000) { ui.lastRefresh = performance.now(); send("refresh", {}); }
  };
  root.addEventListener("keydown", onKey);
  root.addEventListener("keyup", onKeyUp);
  root.addEventListener("click", onClick);
  root.addEventListener("mouseup", onMouseUp);
  root.addEventListener("pointerenter", onEnter);
  $(".qc-cw-doc-select").addEventListener("change", (e) => setDocument(e.target.value));
  $(".qc-cw-filter").addEventListener("change", (e) => { model.set("filter", e.target.value); model.save_changes(); schedule(); });

  ui.lastRefresh = performance.now();
  sync();
  // Drawn and laid out: the time from the view's creation to the first frame showing the transcript.
  requestAnimationFrame(() => requestAnimationFrame(() => {
    root.dataset.qcRenderMs = (performance.now() - started).toFixed(1);
    root.dataset.qcReady = "true";
  }));

  return () => {
    for (const name of NAMES) model.off(`change:${name}`, schedule);
  };
}

// The kernel answers an action with what changed, not the document's codings again: {kind: "changes",
// put: codings added or changed, drop: ids removed, set: the palette, memos, note and status when they
// changed}. Applied to the model once (every view of it then draws it), in the kernel's order of codings.
const before = (a, b) => a.s - b.s || a.e - b.e || (a.kind < b.kind ? -1 : a.kind > b.kind) ||
  (a.code < b.code ? -1 : a.code > b.code) || a.id - b.id;

function merge(kept, put) {
  // Two lists in order merged in one pass (only `put`, the few changed, is sorted).
  put = [...put].sort(before);
  const out = [];
  let i = 0, j = 0;
  while (i < kept.length || j < put.length) {
    out.push(j >= put.length || (i < kept.length && before(kept[i], put[j]) < 0) ? kept[i++] : put[j++]);
  }
  return out;
}

let arrived = 0; // when the last message of changes came (for the browser test's figures)

function initialize({ model }) {
  const onChanges = (message) => {
    if (message?.kind !== "changes") return;
    arrived = performance.now();
    const gone = new Set([...message.drop, ...message.put.map((c) => c.id)]);
    if (gone.size) model.set("codings", merge((model.get("codings") || []).filter((c) => !gone.has(c.id)), message.put));
    for (const [name, value] of Object.entries(message.set)) model.set(name, value);
  };
  model.on("msg:custom", onChanges);
  return () => model.off("msg:custom", onChanges);
}

export default { initialize, render };
