// Keyboard shortcuts of the staff pages (issue 14, item 12). A static file: the CSP has no
// 'unsafe-eval' and no inline scripts. The shortcuts only move the focus and click the page's
// real links and buttons, so every check stays on the server. They never fire while the person
// types (inputs, selects, text areas, editable text) or holds Ctrl / Alt / Cmd, nor under an open
// dialog. "?" opens the list (the page's <dialog id="atajos-teclado">).
//
//   /bandeja                 j / k  next / previous case      Enter or o  open it
//                            x      select it                 r           receive (selection or it)
//   /expedientes/<número>    r receive   d derive   n note   a attend   b back to the inbox
(function () {
  "use strict";
  if (window.__sgdAtajos) return;
  window.__sgdAtajos = true;

  var current = -1; // index of the highlighted inbox row

  function typing(el) {
    if (!el || el === document.body) return false;
    var tag = (el.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
  }

  function modalOpen() {
    if (document.querySelector("[role=dialog]")) return true; // a Radix dialog (bulk derivation, ...)
    var own = document.getElementById("atajos-teclado");
    return !!(own && own.open);
  }

  function usable(el) {
    return !!el && !el.disabled && el.getAttribute("aria-disabled") !== "true" && el.offsetParent !== null;
  }

  function click(selector) {
    var el = document.querySelector(selector);
    if (usable(el)) {
      el.click();
      return true;
    }
    return false;
  }

  // Click ``selector`` as soon as it is there and enabled (the server answers the event before it).
  function clickWhenReady(selector, ms) {
    var end = Date.now() + (ms || 4000);
    (function poll() {
      if (click(selector)) return;
      if (Date.now() < end) setTimeout(poll, 100);
    })();
  }

  // After a panel button of the case page: the panel's first field gets the focus.
  function focusFirstField() {
    var end = Date.now() + 3000;
    (function poll() {
      var field = document.querySelector(
        "#acciones-expediente [id^='campo-'], [id^='campo-']:not([type=hidden])"
      );
      if (field && field.offsetParent !== null) {
        field.focus();
        return;
      }
      if (Date.now() < end) setTimeout(poll, 100);
    })();
  }

  function rows() {
    var list = document.getElementById("lista-bandeja");
    return list ? Array.prototype.slice.call(list.children) : [];
  }

  function mark(items, index) {
    items.forEach(function (li, i) {
      var on = i === index;
      li.style.boxShadow = on ? "inset 4px 0 0 #8a1538" : "";
      li.style.background = on ? "#fbeff2" : "";
      if (on) li.setAttribute("data-resaltada", "");
      else li.removeAttribute("data-resaltada");
    });
  }

  function focusedRow(items) {
    var el = document.activeElement;
    for (var i = 0; i < items.length; i++) if (items[i].contains(el)) return i;
    return -1;
  }

  function move(step) {
    var items = rows();
    if (!items.length) return;
    var at = focusedRow(items);
    if (at < 0) at = current < items.length ? current : -1;
    current = at < 0 ? (step > 0 ? 0 : items.length - 1) : Math.max(0, Math.min(items.length - 1, at + step));
    mark(items, current);
    var link = items[current].querySelector("a");
    if (link) link.focus();
    items[current].scrollIntoView({ block: "nearest" });
  }

  function highlighted() {
    var items = rows();
    var at = focusedRow(items);
    if (at < 0 && current >= 0 && current < items.length) at = current;
    return at < 0 ? null : items[at];
  }

  function checked(box) {
    return box && (box.getAttribute("aria-checked") === "true" || box.getAttribute("data-state") === "checked");
  }

  function inbox(key) {
    var row;
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (key === "o" || key === "Enter") {
      row = highlighted();
      var link = row && row.querySelector("a");
      if (!link) return false;
      link.click();
    } else if (key === "x") {
      row = highlighted();
      var box = row && row.querySelector("[role=checkbox]");
      if (!usable(box)) return false;
      box.click();
    } else if (key === "r") {
      var receiving = document.querySelector("#pestana-por_recibir[aria-pressed=true]");
      if (!receiving) return false; // only "Por recibir" receives
      var anySelected = document.getElementById("bloque-recibir");
      if (!anySelected) {
        row = highlighted();
        var tick = row && row.querySelector("[role=checkbox]");
        if (!usable(tick)) return false;
        if (!checked(tick)) tick.click();
      }
      clickWhenReady("#bloque-recibir");
    } else return false;
    return true;
  }

  var CASE_KEYS = { d: "#accion-derivar", n: "#accion-nota", a: "#accion-atender" };

  function casePage(key) {
    if (key === "r") return click("#accion-recibir");
    if (key === "b") return click("a[href='/bandeja']");
    if (CASE_KEYS[key] && click(CASE_KEYS[key])) {
      focusFirstField();
      return true;
    }
    return false;
  }

  function openHelp() {
    var dialog = document.getElementById("atajos-teclado");
    if (!dialog || dialog.open) return false;
    dialog.showModal();
    return true;
  }

  document.addEventListener("click", function (e) {
    var t = e.target && e.target.closest ? e.target.closest("[data-atajos]") : null;
    if (!t) return;
    var dialog = document.getElementById("atajos-teclado");
    if (!dialog) return;
    if (t.getAttribute("data-atajos") === "abrir") openHelp();
    else dialog.close();
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || e.isComposing) return;
    var key = e.key;
    if (key === "?") {
      if (typing(e.target) || modalOpen()) return;
      if (openHelp()) e.preventDefault();
      return;
    }
    if (typing(e.target) || modalOpen()) return;
    var onInbox = !!document.getElementById("lista-bandeja");
    var onCase = !!document.getElementById("numero-expediente");
    if (key === "Enter") {
      // Enter on a focused link or button does its own thing; only a highlighted row is ours.
      var el = document.activeElement;
      if (!onInbox || (el && el !== document.body && !(el.tagName === "A" && highlighted()))) return;
    }
    if (key.length > 1 && key !== "Enter") return;
    var done = onInbox ? inbox(key.length === 1 ? key.toLowerCase() : key) : onCase && casePage(key.toLowerCase());
    if (done) e.preventDefault();
  });
})();
