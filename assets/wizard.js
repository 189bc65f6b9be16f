// Mesa de Partes: what the filing wizard needs from the browser itself (a static file: the CSP
// has no 'unsafe-eval' and no inline scripts). Two things:
//  1. A failed or interrupted upload: Reflex's upload helper only logs it. Watch the upload
//     request and tell the page (a click on its hidden button #subida-fallida-<role>); keep the
//     file so that "Reintentar" sends it again without choosing it anew.
//  2. No connection: the moment the browser goes offline or the socket drops, mark
//     <html data-sin-conexion> (the page's banner shows) and refuse Continuar/Enviar until the
//     socket is back, so that no tap is lost, queued or replayed on reconnect.
(function () {
  "use strict";
  if (window.__sgdWizard) return;
  window.__sgdWizard = true;

  var failed = {}; // role -> the File objects of the last failed upload

  function roleOf(handler) {
    if (/upload_main$/.test(handler)) return "principal";
    if (/upload_annex$/.test(handler)) return "anexo";
    return "";
  }

  var open = XMLHttpRequest.prototype.open;
  var setHeader = XMLHttpRequest.prototype.setRequestHeader;
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.__sgdUpload = String(method).toUpperCase() === "POST" && /\/_upload\/?(\?|$)/.test(String(url));
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.setRequestHeader = function (name, value) {
    if (this.__sgdUpload && String(name).toLowerCase() === "reflex-event-handler") {
      this.__sgdRole = roleOf(String(value));
    }
    return setHeader.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function (body) {
    var xhr = this;
    var role = xhr.__sgdRole;
    if (xhr.__sgdUpload && role) {
      var files = body && typeof body.getAll === "function" ? body.getAll("files") : [];
      var fail = function () {
        if (!files.length) return; // the empty upload after a refusal: nothing was lost
        failed[role] = files;
        var button = document.getElementById("subida-fallida-" + role);
        if (button) button.click();
      };
      xhr.addEventListener("error", fail);
      xhr.addEventListener("abort", fail);
      xhr.addEventListener("timeout", fail);
      xhr.addEventListener("load", function () {
        if (xhr.status >= 400) fail();
        else delete failed[role];
      });
    }
    return send.apply(this, arguments);
  };

  function retry(button) {
    var role = button.getAttribute("data-reintentar");
    var box = document.getElementById(button.getAttribute("data-caja") || role);
    if (!box) return;
    var files = failed[role];
    if (files && files.length && typeof DataTransfer === "function") {
      var dt = new DataTransfer();
      files.forEach(function (f) {
        dt.items.add(f);
      });
      ["dragenter", "dragover", "drop"].forEach(function (type) {
        box.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      });
    } else {
      var input = box.querySelector("input[type=file]");
      if (input) input.click();
    }
  }

  // ------------------------------------------------------------ connection
  function offline() {
    return document.documentElement.hasAttribute("data-sin-conexion");
  }

  function setOffline(value) {
    var root = document.documentElement;
    if (value) root.setAttribute("data-sin-conexion", "");
    else root.removeAttribute("data-sin-conexion");
    var buttons = document.querySelectorAll("[data-requiere-conexion]");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      if (value && !b.disabled) {
        b.disabled = true;
        b.setAttribute("data-sgd-apagado", "");
      } else if (!value && b.hasAttribute("data-sgd-apagado")) {
        b.disabled = false;
        b.removeAttribute("data-sgd-apagado");
      }
    }
  }

  // Offline = the browser has no network, or the app's socket is down (Reflex's instrumentation
  // hooks tell us the moment it drops or comes back, long before its own banner). The buttons are
  // switched here and not through React: React ignores clicks on a button its props disable.
  var socketDown = false;
  function update() {
    setOffline(navigator.onLine === false || socketDown);
  }
  var hooks = window.__reflex_otel || {};
  var onConnect = hooks.onSocketConnect;
  var onDisconnect = hooks.onSocketDisconnect;
  hooks.onSocketConnect = function () {
    socketDown = false;
    update();
    if (onConnect) return onConnect.apply(this, arguments);
  };
  hooks.onSocketDisconnect = function (reason) {
    socketDown = reason !== "io client disconnect"; // not when the page itself closes it
    update();
    if (onDisconnect) return onDisconnect.apply(this, arguments);
  };
  window.__reflex_otel = hooks;
  window.addEventListener("offline", update);
  window.addEventListener("online", update);
  update();
  // Buttons that appear while offline are disabled too.
  new MutationObserver(function () {
    if (offline()) setOffline(true);
  }).observe(document.documentElement, { childList: true, subtree: true });

  // Taps and Enter while offline do nothing (nothing is queued to replay on reconnect).
  document.addEventListener(
    "click",
    function (ev) {
      var t = ev.target && ev.target.closest ? ev.target : null;
      if (!t) return;
      var retryButton = t.closest("[data-reintentar]");
      if (retryButton) {
        ev.preventDefault();
        retry(retryButton);
        return;
      }
      if (offline() && t.closest("[data-requiere-conexion]")) {
        ev.preventDefault();
        ev.stopPropagation();
      }
    },
    true,
  );
  document.addEventListener(
    "submit",
    function (ev) {
      if (offline() && ev.target && ev.target.closest && ev.target.closest("[data-formulario-conexion]")) {
        ev.preventDefault();
        ev.stopPropagation();
      }
    },
    true,
  );
})();
