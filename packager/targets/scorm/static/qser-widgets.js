/* qser widgets: the interactive screener and quiz on the course pages of a SCORM package.
 *
 * They enhance the static markup (which stays as it is without JavaScript) using the data
 * the page embeds (#qser-page-data, from packager/scorm/widgets.py). Inside a package's
 * launch page they keep their state and report results through window.parent.qserScorm
 * (qser-scorm.js); anywhere else (a page opened on its own, a file on disk) they work the
 * same and nothing is saved.
 */
(function () {
  "use strict";

  var host = findHost();
  openExternalLinksOutsideFrame();
  var node = document.getElementById("qser-page-data");
  if (!node) return;
  var data = JSON.parse(node.textContent);
  var s = data.strings;

  if (data.widget === "screener") screener();
  if (data.widget === "quiz") quiz();

  // --- shared ------------------------------------------------------------------------

  function findHost() {
    try {
      if (window.parent !== window && window.parent.qserScorm) return window.parent.qserScorm;
    } catch (e) {
      // The launch page is of another origin (a package opened from disk): run on our own.
    }
    return {
      connected: false,
      load: function () { return null; },
      room: function () { return Infinity; },
      save: function () { return true; },
      result: function () { return true; },
      flush: function () {}
    };
  }

  /* Inside the package's frame an external site would replace the course (or refuse to be
   * framed), so external links open in a new tab there. */
  function openExternalLinksOutsideFrame() {
    if (window.top === window) return;
    Array.prototype.forEach.call(document.querySelectorAll("a[href^='http:'], a[href^='https:']"), function (link) {
      if (link.origin !== window.location.origin) {
        link.target = "_blank";
        link.rel = "noopener";
      }
    });
  }

  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : match;
    });
  }

  function el(tag, attributes, children) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") element.textContent = value;
      else if (name === "html") element.innerHTML = value; // sanitised by the packager
      else if (value === true) element.setAttribute(name, "");
      else element.setAttribute(name, value);
    });
    (children || []).forEach(function (child) {
      if (child) element.appendChild(child);
    });
    return element;
  }

  /* Interface text is in the page's language even where the content fell back to another. */
  function ui(element) {
    if (data.content_lang !== data.lang) element.lang = data.lang;
    return element;
  }

  function button(text, className) {
    return ui(el("button", { type: "button", "class": "button " + (className || ""), text: text }));
  }

  function show(element, visible) {
    element.hidden = !visible;
  }

  /* Python's round(): halves go to the even neighbour (see packager/scorm/plan.py). */
  function roundHalfEven(x) {
    var rounded = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : rounded;
  }

  function errorBox() {
    return ui(el("div", { "class": "qser-errors", role: "alert", tabindex: "-1", hidden: true }));
  }

  function showErrors(box, heading, messages) {
    box.textContent = "";
    box.appendChild(el("p", { "class": "qser-errors__heading", text: heading }));
    if (messages.length) {
      box.appendChild(el("ul", {}, messages.map(function (message) {
        return el("li", {}, [el("a", { href: "#" + message.target, text: message.text })]);
      })));
    }
    show(box, true);
    box.focus();
  }

  // --- the screener --------------------------------------------------------------------

  function screener() {
    var original = document.querySelector(".screener");
    if (!original) return;
    var saved = host.load(data.item) || {};
    var state = { a: saved.a || {}, f: saved.f || {} };

    var errors = errorBox();
    var questions = data.questions.map(function (question, index) {
      var base = "qser-q-" + question.id;
      var help = question.help ? el("div", { "class": "hint", id: base + "-help", html: question.help }) : null;
      var problem = ui(el("p", { "class": "qser-question__error", id: base + "-error", text: s.screener_unanswered, hidden: true }));
      var choice = function (value, label) {
        var id = base + "-" + value;
        return el("div", { "class": "qser-yesno__option" }, [
          el("input", { type: "radio", id: id, name: base, value: value, checked: state.a[question.id] === (value === "yes" ? 1 : 0) }),
          ui(el("label", { "for": id, text: label }))
        ]);
      };
      var fieldset = el("fieldset", { "class": "qser-question", id: base, "aria-describedby": help ? base + "-help" : null }, [
        el("legend", {}, [
          ui(el("span", { "class": "quiz__number", text: format(s.question_n, { n: index + 1 }) })),
          el("span", { html: question.html })
        ]),
        help,
        problem,
        el("div", { "class": "qser-yesno" }, [choice("yes", s.yes), choice("no", s.no)])
      ]);
      return { question: question, fieldset: fieldset, problem: problem, name: base };
    });

    var form = el("form", { "class": "qser-screener__form", novalidate: true }, [errors].concat(
      questions.map(function (q) { return q.fieldset; }),
      [
        el("p", { "class": "screener__rule" }, [ui(el("strong", { text: s.screener_rule }))]),
        ui(el("button", { type: "submit", "class": "button", text: s.screener_show_result }))
      ]
    ));

    var resultHeading = ui(el("h3", { id: "qser-result-heading", text: s.screener_result_heading }));
    var scoreLine = ui(el("p", { "class": "qser-result__score" }));
    var message = el("div", { "class": "qser-result__message" });
    var again = button(s.screener_again);
    var result = el("div", { "class": "qser-result", tabindex: "-1", "aria-labelledby": "qser-result-heading", hidden: true }, [
      resultHeading, scoreLine, message, again
    ]);

    var summary = summaryForm(state);
    var widget = el("section", { "class": "qser-widget qser-screener", "aria-labelledby": "qser-screener-heading" }, [
      ui(el("h2", { id: "qser-screener-heading", text: s.screener_questions })),
      ui(el("p", { text: s.screener_intro })),
      form,
      result,
      summary.section
    ]);
    original.hidden = true;
    original.parentNode.insertBefore(widget, original.nextSibling);

    function answers() {
      var values = {};
      questions.forEach(function (q) {
        var checked = form.querySelector("input[name='" + q.name + "']:checked");
        if (checked) values[q.question.id] = checked.value === "yes" ? 1 : 0;
      });
      return values;
    }

    function render(values) {
      var yes = data.questions.filter(function (q) { return values[q.id] === 1; }).length;
      var suitable = yes >= data.threshold;
      scoreLine.textContent = format(s.screener_score, { score: yes, count: data.questions.length });
      message.innerHTML = suitable ? data.suitable : data.unsuitable;
      message.className = "qser-result__message " + (suitable ? "qser-result--passed" : "qser-result--failed");
      resultHeading.textContent = suitable ? s.screener_suitable : s.screener_unsuitable;
      show(again, !suitable);
      show(result, true);
      show(summary.section, suitable);
      return { yes: yes, suitable: suitable };
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var values = answers();
      var missing = questions.filter(function (q) { return values[q.question.id] === undefined; });
      questions.forEach(function (q) {
        var unanswered = missing.indexOf(q) >= 0;
        show(q.problem, unanswered);
        q.fieldset.classList.toggle("qser-question--invalid", unanswered);
        if (unanswered) q.fieldset.setAttribute("aria-describedby", q.name + "-error" + (q.question.help ? " " + q.name + "-help" : ""));
      });
      if (missing.length) {
        showErrors(errors, s.screener_answer_all, missing.map(function (q) {
          return { target: q.name + "-yes", text: format(s.question_n, { n: questions.indexOf(q) + 1 }) };
        }));
        return;
      }
      show(errors, false);
      state.a = values;
      var outcome = render(values);
      var interactions = data.questions.map(function (q) {
        return { id: q.id, type: "true-false", response: values[q.id] === 1, correct: null, result: "neutral", weight: 1 };
      });
      host.result(data.item, state, roundHalfEven((100 * outcome.yes) / data.questions.length), interactions);
      result.focus();
    });

    again.addEventListener("click", function () {
      Array.prototype.forEach.call(form.querySelectorAll("input[type=radio]"), function (input) { input.checked = false; });
      show(result, false);
      show(summary.section, false);
      form.querySelector("input[type=radio]").focus();
    });

    if (data.questions.every(function (q) { return state.a[q.id] === 0 || state.a[q.id] === 1; })) render(state.a);
  }

  function summaryForm(state) {
    var status = ui(el("p", { "class": "qser-save-status", role: "status" }));
    var errors = errorBox();
    var fields = data.fields.map(function (field) {
      var id = "qser-f-" + field.id;
      var control = el(field.kind === "textarea" ? "textarea" : "input", {
        id: id,
        name: field.id,
        type: field.kind === "textarea" ? null : "text",
        rows: field.kind === "textarea" ? "5" : null,
        maxlength: String(field.max),
        required: field.required,
        "aria-describedby": (field.help ? id + "-help " : "") + id + "-count"
      });
      control.value = state.f[field.id] || "";
      var count = ui(el("p", { "class": "qser-count", id: id + "-count" }));
      var wrapper = el("div", { "class": "qser-field" }, [
        el("label", { "for": id }, [
          document.createTextNode(field.label + " "),
          ui(el("span", { "class": "muted", text: "(" + (field.required ? s.summary_required : s.summary_optional) + ")" }))
        ]),
        field.help ? el("div", { "class": "hint", id: id + "-help", html: field.help }) : null,
        control,
        count
      ]);
      return { field: field, control: control, count: count, wrapper: wrapper, last: control.value };
    });
    var print = button(s.summary_print);
    var download = button(s.summary_download);
    var section = el("section", { "class": "qser-summary", "aria-labelledby": "qser-summary-heading", hidden: true }, [
      ui(el("h3", { id: "qser-summary-heading", text: s.summary_heading })),
      ui(el("p", { text: host.connected ? s.summary_intro : s.summary_not_saved, "class": host.connected ? null : "note" })),
      errors
    ].concat(fields.map(function (f) { return f.wrapper; }), [
      status,
      el("div", { "class": "qser-actions" }, [print, download])
    ]));

    function values() {
      var out = {};
      fields.forEach(function (f) { out[f.field.id] = f.control.value; });
      return out;
    }

    function updateCounts() {
      var room = host.room(data.item, { a: state.a, f: values() });
      fields.forEach(function (f) {
        var left = Math.max(0, Math.min(f.field.max - f.control.value.length, room));
        f.control.maxLength = f.control.value.length + left;
        f.count.textContent = format(s.summary_chars_left, { count: left });
      });
    }

    fields.forEach(function (f) {
      f.control.addEventListener("input", function () {
        var next = { a: state.a, f: values() };
        if (host.room(data.item, next) < 0 || !host.save(data.item, next)) {
          f.control.value = f.last; // the LMS could not store more: keep what is stored
          status.textContent = s.summary_full;
        } else {
          f.last = f.control.value;
          state.f = next.f;
          if (host.connected) status.textContent = s.summary_saved;
        }
        updateCounts();
      });
      f.control.addEventListener("change", function () { host.flush(); });
    });

    function complete() {
      var missing = fields.filter(function (f) { return f.field.required && !f.control.value.trim(); });
      fields.forEach(function (f) { f.control.setAttribute("aria-invalid", missing.indexOf(f) >= 0 ? "true" : "false"); });
      if (missing.length) {
        showErrors(errors, s.summary_missing, missing.map(function (f) { return { target: f.control.id, text: f.field.label }; }));
        return false;
      }
      show(errors, false);
      return true;
    }

    print.addEventListener("click", function () {
      if (!complete()) return;
      var sheet = el("div", { "class": "qser-print-sheet", lang: data.content_lang }, sheetContent());
      document.body.appendChild(sheet);
      document.documentElement.classList.add("qser-printing");
      var done = function () {
        document.documentElement.classList.remove("qser-printing");
        if (sheet.parentNode) sheet.parentNode.removeChild(sheet);
        window.removeEventListener("afterprint", done);
      };
      window.addEventListener("afterprint", done);
      window.print();
    });

    download.addEventListener("click", function () {
      if (!complete()) return;
      var doc = document.implementation.createHTMLDocument(s.summary_file_title);
      doc.documentElement.lang = data.content_lang;
      var meta = doc.createElement("meta");
      meta.setAttribute("charset", "utf-8");
      doc.head.insertBefore(meta, doc.head.firstChild);
      var style = doc.createElement("style");
      style.textContent = "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:42rem;margin:2rem auto;padding:0 1rem}"
        + "dt{font-weight:700;margin-top:1rem}dd{margin:0;white-space:pre-wrap}";
      doc.head.appendChild(style);
      sheetContent().forEach(function (child) { doc.body.appendChild(doc.importNode(child, true)); });
      var blob = new Blob(["<!doctype html>\n" + doc.documentElement.outerHTML], { type: "text/html;charset=utf-8" });
      var link = el("a", { href: URL.createObjectURL(blob), download: "case-study-summary.html", hidden: true });
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    });

    function sheetContent() {
      return [
        el("h1", { text: s.summary_file_title }),
        el("p", { text: data.title }),
        el("dl", {}, [].concat.apply([], fields.map(function (f) {
          return [el("dt", { text: f.field.label }), el("dd", { text: f.control.value })];
        })))
      ];
    }

    updateCounts();
    return { section: section };
  }

  // --- the quiz ----------------------------------------------------------------------

  function quiz() {
    var section = document.querySelector(".quiz");
    if (!section) return;
    var saved = host.load(data.item) || {};
    var state = { a: saved.a || {}, d: saved.d ? 1 : 0 };
    var intro = section.querySelector("p");
    if (intro) intro.textContent = format(s.quiz_instructions, { percent: data.pass });

    var questions = data.questions.map(function (question, index) {
      var fieldset = document.getElementById("q-" + question.id);
      var inputs = Array.prototype.slice.call(fieldset.querySelectorAll("input"));
      var answer = fieldset.querySelector(".quiz__answer");
      var feedback = el("div", { "class": "qser-feedback", id: "qser-feedback-" + question.id, hidden: true });
      fieldset.insertBefore(feedback, answer);
      inputs.forEach(function (input) {
        input.checked = (state.a[question.id] || []).indexOf(input.value) >= 0;
      });
      show(answer, false);
      return { question: question, index: index, fieldset: fieldset, inputs: inputs, answer: answer, feedback: feedback };
    });

    var errors = errorBox();
    var check = ui(el("button", { type: "button", "class": "button", text: s.quiz_check }));
    var again = button(s.quiz_again);
    var resultHeading = ui(el("h3", { id: "qser-quiz-result-heading", text: s.quiz_result_heading }));
    var scoreLine = ui(el("p", { "class": "qser-result__score" }));
    var verdict = ui(el("p"));
    var result = el("div", { "class": "qser-result", tabindex: "-1", "aria-labelledby": "qser-quiz-result-heading", hidden: true }, [
      resultHeading, scoreLine, verdict, again
    ]);
    var last = questions[questions.length - 1].fieldset;
    [errors, el("p", { "class": "qser-actions" }, [check]), result].reverse().forEach(function (element) {
      last.parentNode.insertBefore(element, last.nextSibling);
    });

    function selected(q) {
      return q.inputs.filter(function (input) { return input.checked; }).map(function (input) { return input.value; });
    }

    function choices(q, ids) {
      return q.question.choices
        .map(function (choice, index) { return { index: index, id: choice.id }; })
        .filter(function (choice) { return ids.indexOf(choice.id) >= 0; });
    }

    function isCorrect(q, ids) {
      var correct = q.question.choices.filter(function (c) { return c.correct; }).map(function (c) { return c.id; });
      return correct.length === ids.length && correct.every(function (id) { return ids.indexOf(id) >= 0; });
    }

    function render() {
      var got = 0;
      var total = 0;
      questions.forEach(function (q) {
        var ids = state.a[q.question.id] || [];
        var right = isCorrect(q, ids);
        total += q.question.points;
        if (right) got += q.question.points;
        q.feedback.textContent = "";
        q.feedback.appendChild(ui(el("p", { "class": right ? "qser-result--passed" : "qser-result--failed" }, [
          el("strong", { text: right ? s.quiz_correct : s.quiz_incorrect })
        ])));
        q.question.choices.forEach(function (choice) {
          if (ids.indexOf(choice.id) >= 0 && choice.feedback) q.feedback.appendChild(el("div", { "class": "feedback", html: choice.feedback }));
        });
        var general = right ? q.question.correct : q.question.incorrect;
        if (general) q.feedback.appendChild(el("div", { html: general }));
        show(q.feedback, true);
        show(q.answer, true);
        q.inputs.forEach(function (input) { input.disabled = true; });
      });
      var percent = total ? roundHalfEven((100 * got) / total) : 0;
      scoreLine.textContent = format(s.quiz_score, { percent: percent });
      verdict.textContent = format(percent >= data.pass ? s.quiz_passed : s.quiz_failed, { percent: data.pass });
      show(check.parentNode, false);
      show(result, true);
      return percent;
    }

    check.addEventListener("click", function () {
      var missing = questions.filter(function (q) { return selected(q).length === 0; });
      if (missing.length) {
        showErrors(errors, s.quiz_answer_all, missing.map(function (q) {
          return { target: q.inputs[0].id, text: format(s.question_n, { n: q.index + 1 }) };
        }));
        return;
      }
      show(errors, false);
      questions.forEach(function (q) { state.a[q.question.id] = selected(q); });
      state.d = 1;
      var percent = render();
      var interactions = questions.map(function (q) {
        var ids = state.a[q.question.id];
        return {
          id: q.question.id,
          type: "choice",
          response: choices(q, ids),
          correct: choices(q, q.question.choices.filter(function (c) { return c.correct; }).map(function (c) { return c.id; })),
          result: isCorrect(q, ids) ? "correct" : "incorrect",
          weight: q.question.points
        };
      });
      host.result(data.item, state, percent, interactions);
      result.focus();
    });

    again.addEventListener("click", function () {
      questions.forEach(function (q) {
        q.inputs.forEach(function (input) { input.disabled = false; input.checked = false; });
        show(q.feedback, false);
        show(q.answer, false);
      });
      state.a = {};
      state.d = 0;
      host.save(data.item, state);
      show(result, false);
      show(check.parentNode, true);
      questions[0].inputs[0].focus();
    });

    questions.forEach(function (q) {
      q.inputs.forEach(function (input) {
        input.addEventListener("change", function () {
          state.a[q.question.id] = selected(q);
          host.save(data.item, state);
        });
      });
    });

    if (state.d) render();
  }
})();
