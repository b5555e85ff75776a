/* Binds an LTI login to this browser when the frame's state cookie is refused (third-party
 * cookie blocking, WebKit/Safari). The pages and the server-side checks are described in
 * lti_tool/web/launch_storage.py and lti_tool/lti/state_proof.py.
 *
 * Login page: keep the launch proof in the frame's own storage and, when the platform names an
 * lti_storage_target, in the platform's postMessage storage; then go on to the platform. When
 * no storage and no cookie works, offer the screener in a new window instead.
 * Launch page: read the proof back (frame storage first, then the platform's) and post it with
 * the id_token and state; without a proof the tool refuses with a clear reason. */
(function () {
  "use strict";
  var PREFIX = "qser-state-";
  var root = document.getElementById("qser-launch");
  if (!root) {
    return;
  }
  var data = root.dataset;

  /* The frame's own storages that the browser lets this frame write. */
  function storages() {
    var usable = [];
    ["localStorage", "sessionStorage"].forEach(function (name) {
      try {
        var store = window[name];
        store.setItem(PREFIX + "probe", "1");
        store.removeItem(PREFIX + "probe");
        usable.push(store);
      } catch (refused) { /* blocked (e.g. "block all cookies"): try the next one */ }
    });
    return usable;
  }

  function purgeExpired(store, now) {
    for (var i = store.length - 1; i >= 0; i -= 1) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        var record = null;
        try { record = JSON.parse(store.getItem(key)); } catch (malformed) { record = null; }
        if (!record || !(record.expires >= now)) {
          store.removeItem(key);
        }
      }
    }
  }

  function keepInFrame(key, record) {
    var kept = false;
    storages().forEach(function (store) {
      if (kept) {
        return;
      }
      try {
        purgeExpired(store, Date.now() / 1000);
        store.setItem(key, record);
        kept = store.getItem(key) === record;
      } catch (full) { kept = false; }
    });
    return kept;
  }

  /* Single use on this side too: the entry is removed when read. */
  function takeFromFrame(key) {
    var found = null;
    storages().forEach(function (store) {
      var value = store.getItem(key);
      if (value !== null) {
        store.removeItem(key);
        found = found || value;
      }
    });
    return found;
  }

  /* 1EdTech LTI Client Side postMessages: a request to the platform's storage frame; the
   * answer counts only from that very window and from the origin of the platform's OIDC
   * authorization endpoint, with our message id. Anything else is ignored. */
  function storageFrame(target) {
    if (!target || window.parent === window) {
      return null;
    }
    try {
      return target === "_parent" ? window.parent : window.parent.frames[target] || null;
    } catch (denied) {
      return null;
    }
  }

  function askPlatform(message) {
    var frame = storageFrame(data.storageTarget);
    var origin = data.platformOrigin;
    if (!frame || !origin) {
      return Promise.resolve(null);
    }
    var words = new Uint32Array(4);
    window.crypto.getRandomValues(words);
    message.message_id = "qser-" + Array.prototype.join.call(words, "-");
    return new Promise(function (resolve) {
      var timer = null;
      var again = null;
      function finish(answer) {
        window.removeEventListener("message", listen);
        window.clearTimeout(timer);
        window.clearInterval(again);
        resolve(answer);
      }
      function listen(event) {
        if (event.source !== frame || event.origin !== origin) {
          return;
        }
        var answer = event.data;
        if (!answer || answer.message_id !== message.message_id || answer.subject !== message.subject + ".response") {
          return;
        }
        finish(answer.error ? null : answer);
      }
      window.addEventListener("message", listen);
      timer = window.setTimeout(function () { finish(null); }, Number(data.wait) || 3000);
      /* the storage frame may still be loading: the browser drops a message to a frame whose
       * page is not yet on the platform's origin, so the (idempotent) request is repeated */
      frame.postMessage(message, origin);
      again = window.setInterval(function () { frame.postMessage(message, origin); }, 250);
    });
  }

  /* Whether a cookie with the state cookie's attributes sticks in this frame. */
  function cookieWorks() {
    var probe = data.cookie || "";
    var name = probe.split("=")[0];
    var attributes = probe.slice(probe.indexOf(";"));
    try {
      document.cookie = probe;
      var works = document.cookie.split("; ").indexOf(name + "=1") >= 0;
      document.cookie = name + "=; Max-Age=0" + attributes;
      return works;
    } catch (refused) {
      return false;
    }
  }

  function login() {
    var record = JSON.stringify({ proof: data.proof, expires: Number(data.expires) });
    var inFrame = keepInFrame(data.key, record);
    askPlatform({ subject: "lti.put_data", key: data.key, value: record }).then(function (answer) {
      if (inFrame || answer !== null || cookieWorks()) {
        window.location.replace(data.auth);
        return;
      }
      document.getElementById("qser-wait").hidden = true;
      var offer = document.getElementById("qser-window");
      offer.hidden = false;
      offer.querySelector("a").focus();
    });
  }

  function proofOf(record) {
    try {
      var parsed = JSON.parse(record);
      return parsed && typeof parsed.proof === "string" ? parsed.proof : "";
    } catch (malformed) {
      return "";
    }
  }

  function launch() {
    var form = document.getElementById("qser-confirm");
    var local = takeFromFrame(data.key);
    var found = local !== null ? Promise.resolve(local) : askPlatform({ subject: "lti.get_data", key: data.key }).then(function (answer) {
      return answer && typeof answer.value === "string" ? answer.value : null;
    });
    found.then(function (record) {
      form.elements.proof.value = record ? proofOf(record) : "";
      form.submit();
    });
  }

  if (data.step === "login") {
    login();
  } else if (data.step === "launch") {
    launch();
  }
}());
