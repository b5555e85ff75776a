/* qser SCORM runtime: the launch page of a qser package (the package's one SCO).
 *
 * It finds the LMS's API (SCORM 1.2 "API", SCORM 2004 "API_1484_11") in a parent window or
 * the opener, keeps one LMS session for the whole visit and shows the course pages in a frame,
 * so moving between pages never ends the session. Every page load is recorded (bookmark,
 * viewed item, its objective, progress, status); the screener and quiz widgets report
 * their results and keep their state through window.qserScorm. The rules (what is done,
 * how the course is scored) are those of packager/scorm/plan.py, given in the page's
 * configuration. Without an LMS (a web server, a file on disk) the course works the same
 * and nothing is reported.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("qser-scorm-config").textContent);
  var frame = document.getElementById("qser-frame");
  var plan = config.plan;
  var COMMIT_DELAY = 2000; // ms: typing in the summary commits once it pauses

  var DIALECTS = {
    "1.2": {
      api: "API",
      init: "LMSInitialize", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit", finish: "LMSFinish",
      location: "cmi.core.lesson_location",
      exit: "cmi.core.exit",
      sessionTime: "cmi.core.session_time",
      duration: hhmmss,
      report: report12,
      objective: objective12,
      interaction: interaction12,
      objectiveDone: function (lms, n) { return lms.get("cmi.objectives." + n + ".status") !== ""; }
    },
    "2004": {
      api: "API_1484_11",
      init: "Initialize", get: "GetValue", set: "SetValue", commit: "Commit", finish: "Terminate",
      location: "cmi.location",
      exit: "cmi.exit",
      sessionTime: "cmi.session_time",
      duration: isoDuration,
      report: report2004,
      objective: objective2004,
      interaction: interaction2004,
      objectiveDone: function (lms, n) { return lms.get("cmi.objectives." + n + ".completion_status") !== ""; }
    }
  };

  // --- the LMS -------------------------------------------------------------------------

  /* SCORM's discovery algorithm: this window and its parents, then the opener and its parents.
   * A window of another origin throws on access; it cannot hold our API, so it ends the walk. */
  function findApi(name) {
    function climb(win) {
      for (var depth = 0; win && depth < 500; depth += 1) {
        try {
          if (win[name]) return win[name];
          if (win.parent === win) return null;
          win = win.parent;
        } catch (e) {
          return null;
        }
      }
      return null;
    }
    var api = climb(window);
    if (!api) {
      try {
        api = window.top.opener ? climb(window.top.opener) : null;
      } catch (e) {
        api = null;
      }
    }
    return api;
  }

  function Lms(dialect, api) {
    this.dialect = dialect;
    this.api = api;
  }
  Lms.prototype.call = function (name, argument) {
    return String(this.api[this.dialect[name]](argument === undefined ? "" : argument)) === "true";
  };
  Lms.prototype.get = function (element) {
    var value = this.api[this.dialect.get](element);
    return value === null || value === undefined ? "" : String(value);
  };
  Lms.prototype.set = function (element, value) {
    return String(this.api[this.dialect.set](element, String(value))) === "true";
  };

  function connect() {
    var dialect = DIALECTS[config.version];
    var api = findApi(dialect.api);
    if (!api) return null;
    var lms = new Lms(dialect, api);
    return lms.call("init") ? lms : null;
  }

  // --- the learner's record (cmi.suspend_data; format in packager/scorm/state.py) -----

  function emptyRecord() {
    return { v: 1, f: config.fingerprint, s: "", r: {}, w: {} };
  }

  function readRecord(lms) {
    var text = lms ? lms.get("cmi.suspend_data") : "";
    if (!text) return emptyRecord();
    try {
      var record = JSON.parse(text);
      if (record && record.v === 1) {
        return { v: 1, f: record.f, s: record.s || "", r: record.r || {}, w: record.w || {} };
      }
    } catch (e) {
      // Not ours (another package used this attempt): start afresh rather than fail.
    }
    return emptyRecord();
  }

  function seenFromBitmap(hex) {
    var seen = [];
    for (var i = 0; i < plan.items.length; i += 1) {
      var digit = parseInt(hex.charAt(i >> 2) || "0", 16);
      seen.push(Boolean(digit & (8 >> (i & 3))));
    }
    return seen;
  }

  function bitmap(seen) {
    var hex = "";
    for (var i = 0; i < seen.length; i += 4) {
      var digit = 0;
      for (var bit = 0; bit < 4; bit += 1) {
        if (seen[i + bit]) digit |= 8 >> bit;
      }
      hex += digit.toString(16);
    }
    return hex;
  }

  // --- rules (packager/scorm/plan.py) -------------------------------------------------

  /* Python's round(): halves go to the even neighbour. */
  function roundHalfEven(x) {
    var rounded = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : rounded;
  }

  function itemPassed(item) {
    var score = state.record.r[item.id];
    return score !== undefined && item.pass !== null && score >= item.pass;
  }

  function itemDone(item, index) {
    var scored = item.pass !== null;
    if (scored && item.completion === "grade") return state.record.r[item.id] !== undefined;
    if (scored && item.completion === "pass") return itemPassed(item);
    return state.seen[index];
  }

  function courseStatus() {
    var done = 0;
    plan.items.forEach(function (item, index) {
      if (itemDone(item, index)) done += 1;
    });
    var graded = plan.items.filter(function (item) { return item.graded; });
    var answered = graded.every(function (item) { return state.record.r[item.id] !== undefined; });
    var score = null;
    if (graded.length && answered) {
      var sum = graded.reduce(function (total, item) { return total + state.record.r[item.id]; }, 0);
      score = roundHalfEven(sum / graded.length);
    }
    return {
      completed: done === plan.items.length,
      progress: plan.items.length ? Math.round((done / plan.items.length) * 10000) / 10000 : 1,
      score: score,
      passed: score !== null && score >= (plan.mastery || 0)
    };
  }

  // --- reporting, SCORM 1.2 -----------------------------------------------------------

  function report12(lms, status) {
    if (status.score !== null) {
      lms.set("cmi.core.score.min", 0);
      lms.set("cmi.core.score.max", 100);
      lms.set("cmi.core.score.raw", status.score);
      lms.set("cmi.core.lesson_status", status.passed ? "passed" : "failed");
    } else {
      lms.set("cmi.core.lesson_status", status.completed ? "completed" : "incomplete");
    }
  }

  function objective12(lms, n, item, index) {
    var prefix = "cmi.objectives." + n + ".";
    var score = state.record.r[item.id];
    if (score !== undefined) {
      lms.set(prefix + "score.min", 0);
      lms.set(prefix + "score.max", 100);
      lms.set(prefix + "score.raw", score);
      lms.set(prefix + "status", itemPassed(item) ? "passed" : "failed");
    } else {
      lms.set(prefix + "status", itemDone(item, index) ? "completed" : "incomplete");
    }
  }

  var LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789";

  function interaction12(lms, n, itemId, answer) {
    var prefix = "cmi.interactions." + n + ".";
    var letters = function (choices) {
      return choices.map(function (choice) { return LETTERS.charAt(choice.index); }).join(",");
    };
    lms.set(prefix + "id", itemId + "/" + answer.id);
    lms.set(prefix + "objectives.0.id", itemId);
    lms.set(prefix + "time", clock(new Date()));
    lms.set(prefix + "type", answer.type);
    if (answer.correct) lms.set(prefix + "correct_responses.0.pattern", letters(answer.correct));
    lms.set(prefix + "weighting", answer.weight);
    lms.set(prefix + "student_response", answer.type === "true-false" ? (answer.response ? "t" : "f") : letters(answer.response));
    lms.set(prefix + "result", answer.result === "incorrect" ? "wrong" : answer.result);
  }

  // --- reporting, SCORM 2004 ----------------------------------------------------------

  function report2004(lms, status) {
    lms.set("cmi.completion_status", status.completed ? "completed" : "incomplete");
    lms.set("cmi.progress_measure", status.progress);
    if (status.score !== null) {
      lms.set("cmi.score.min", 0);
      lms.set("cmi.score.max", 100);
      lms.set("cmi.score.raw", status.score);
      lms.set("cmi.score.scaled", status.score / 100);
      lms.set("cmi.success_status", status.passed ? "passed" : "failed");
    }
  }

  function objective2004(lms, n, item, index) {
    var prefix = "cmi.objectives." + n + ".";
    var score = state.record.r[item.id];
    lms.set(prefix + "completion_status", itemDone(item, index) ? "completed" : "incomplete");
    if (score !== undefined) {
      lms.set(prefix + "score.min", 0);
      lms.set(prefix + "score.max", 100);
      lms.set(prefix + "score.raw", score);
      lms.set(prefix + "score.scaled", score / 100);
      lms.set(prefix + "success_status", itemPassed(item) ? "passed" : "failed");
    }
  }

  /* Choice ids become short identifiers Moodle's 2004 player accepts ([A-Za-z0-9_.]). */
  function identifier(id) {
    return String(id).replace(/[^A-Za-z0-9_.]/g, "_");
  }

  function interaction2004(lms, n, itemId, answer) {
    var prefix = "cmi.interactions." + n + ".";
    var ids = function (choices) {
      return choices.map(function (choice) { return identifier(choice.id); }).join("[,]");
    };
    lms.set(prefix + "id", itemId + "/" + answer.id);
    lms.set(prefix + "type", answer.type);
    lms.set(prefix + "objectives.0.id", itemId);
    lms.set(prefix + "timestamp", timestamp(new Date()));
    if (answer.correct) lms.set(prefix + "correct_responses.0.pattern", ids(answer.correct));
    lms.set(prefix + "weighting", answer.weight);
    lms.set(prefix + "learner_response", answer.type === "true-false" ? String(Boolean(answer.response)) : ids(answer.response));
    lms.set(prefix + "result", answer.result);
  }

  // --- time formats ---------------------------------------------------------------------

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function hhmmss(ms) {
    var seconds = Math.floor(ms / 1000);
    var hours = Math.min(9999, Math.floor(seconds / 3600));
    return pad(hours) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
  }

  function isoDuration(ms) {
    var seconds = Math.floor(ms / 1000);
    return "PT" + Math.floor(seconds / 3600) + "H" + (Math.floor(seconds / 60) % 60) + "M" + (seconds % 60) + "S";
  }

  function clock(date) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
  }

  function timestamp(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" + clock(date);
  }

  // --- the session ------------------------------------------------------------------

  var lms = connect();
  var state = {
    started: Date.now(),
    record: readRecord(lms),
    seen: [],
    objectives: {}, // item id -> index of its cmi.objectives entry
    timer: null,
    finished: false
  };

  function loadObjectives() {
    if (!lms) return;
    var count = parseInt(lms.get("cmi.objectives._count"), 10) || 0;
    for (var n = 0; n < count; n += 1) {
      state.objectives[lms.get("cmi.objectives." + n + ".id")] = n;
    }
  }

  function restoreSeen() {
    if (state.record.f === config.fingerprint) {
      state.seen = seenFromBitmap(state.record.s);
      return;
    }
    // The course changed since this record was written: its bitmap means nothing now, but
    // the LMS's objectives name the items by id.
    state.seen = plan.items.map(function (item) {
      var n = state.objectives[item.id];
      return n !== undefined && lms.dialect.objectiveDone(lms, n);
    });
    state.record.f = config.fingerprint;
  }

  function writeRecord() {
    if (!lms) return true;
    state.record.s = bitmap(state.seen);
    var text = JSON.stringify(state.record);
    return text.length <= config.limits.suspend_data && lms.set("cmi.suspend_data", text);
  }

  function objectiveIndex(itemId) {
    if (state.objectives[itemId] === undefined) {
      var n = parseInt(lms.get("cmi.objectives._count"), 10) || 0;
      if (!lms.set("cmi.objectives." + n + ".id", itemId)) return null;
      state.objectives[itemId] = n;
    }
    return state.objectives[itemId];
  }

  function reportItem(itemId) {
    var index = indexOf(itemId);
    if (index < 0) return;
    var n = objectiveIndex(itemId);
    if (n !== null) lms.dialect.objective(lms, n, plan.items[index], index);
  }

  function reportCourse() {
    lms.dialect.report(lms, courseStatus());
  }

  function indexOf(itemId) {
    for (var i = 0; i < plan.items.length; i += 1) {
      if (plan.items[i].id === itemId) return i;
    }
    return -1;
  }

  function commitNow() {
    if (!lms || state.finished) return;
    clearTimeout(state.timer);
    state.timer = null;
    lms.set(lms.dialect.sessionTime, lms.dialect.duration(Date.now() - state.started));
    lms.call("commit");
  }

  function commitSoon() {
    if (!lms || state.timer) return;
    state.timer = setTimeout(commitNow, COMMIT_DELAY);
  }

  function finish() {
    if (!lms || state.finished) return;
    clearTimeout(state.timer);
    // Always "suspend": an LMS hands the record back next time only after a suspended
    // session (SCORM 2004), and the learner's summary must be there when they return.
    lms.set(lms.dialect.exit, "suspend");
    lms.set(lms.dialect.sessionTime, lms.dialect.duration(Date.now() - state.started));
    state.finished = true;
    lms.call("finish");
  }

  function viewed(key) {
    if (!lms) return;
    if (key.length <= config.limits.location) lms.set(lms.dialect.location, key);
    var itemId = key.indexOf("item/") === 0 ? key.slice(5) : null;
    var index = itemId ? indexOf(itemId) : -1;
    if (index >= 0 && !state.seen[index]) {
      state.seen[index] = true;
      writeRecord();
    }
    if (index >= 0) reportItem(itemId);
    reportCourse();
    commitNow();
  }

  function copy(value) {
    return value === undefined || value === null ? null : JSON.parse(JSON.stringify(value));
  }

  /* What the widgets on the course pages use (qser-widgets.js). Values cross windows as JSON
   * copies, so nothing here keeps an object that belongs to a page already gone. */
  window.qserScorm = {
    connected: Boolean(lms),
    load: function (itemId) {
      return copy(state.record.w[itemId]);
    },
    /* Characters left in the suspend data if `widgetState` replaced the item's state. */
    room: function (itemId, widgetState) {
      if (!lms) return Infinity;
      var previous = state.record.w[itemId];
      state.record.w[itemId] = copy(widgetState);
      state.record.s = bitmap(state.seen);
      var left = config.limits.suspend_data - JSON.stringify(state.record).length;
      state.record.w[itemId] = previous;
      return left;
    },
    save: function (itemId, widgetState) {
      var previous = state.record.w[itemId];
      state.record.w[itemId] = copy(widgetState);
      if (!writeRecord()) {
        state.record.w[itemId] = previous;
        return false;
      }
      commitSoon();
      return true;
    },
    /* An answered screener or quiz: its score (percent) and its answers as interactions. */
    result: function (itemId, widgetState, score, answers) {
      if (indexOf(itemId) < 0) return false;
      var previous = { w: state.record.w[itemId], r: state.record.r[itemId] };
      state.record.w[itemId] = copy(widgetState);
      state.record.r[itemId] = score;
      if (!writeRecord()) {
        state.record.w[itemId] = previous.w;
        if (previous.r === undefined) delete state.record.r[itemId];
        else state.record.r[itemId] = previous.r;
        return false;
      }
      if (lms) {
        copy(answers).forEach(function (answer) {
          var n = parseInt(lms.get("cmi.interactions._count"), 10) || 0;
          lms.dialect.interaction(lms, n, itemId, answer);
        });
        reportItem(itemId);
        reportCourse();
        commitNow();
      }
      return true;
    },
    flush: commitNow
  };

  // --- the frame ----------------------------------------------------------------------

  frame.addEventListener("load", function () {
    var doc = null;
    try {
      doc = frame.contentDocument;
    } catch (e) {
      doc = null; // a page of another origin (an external link followed inside the frame)
    }
    if (!doc || !doc.body) return;
    if (doc.title) {
      document.title = doc.title;
      frame.title = doc.title;
    }
    var key = doc.body.getAttribute("data-qser-page");
    if (key && Object.prototype.hasOwnProperty.call(config.pages, key)) viewed(key);
  });

  window.addEventListener("pagehide", finish);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") commitNow();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && state.finished) window.location.reload(); // back from the page cache: new session
  });

  loadObjectives();
  if (lms) restoreSeen();
  var bookmark = lms ? lms.get(lms.dialect.location) : "";
  var start = Object.prototype.hasOwnProperty.call(config.pages, bookmark) ? bookmark : config.home;
  frame.src = config.pages[start];
})();
