/* qser preview: reload when the site is rebuilt; show build problems in a banner. */
(function () {
  if (!window.EventSource || location.protocol === "file:") return;
  var source = new EventSource("/__qser/events");
  var first = null;
  function banner(problems) {
    var box = document.getElementById("qser-problems");
    if (!problems.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "qser-problems";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:40vh;overflow:auto;z-index:1000;" +
        "background:#3b0d0c;color:#fff;font:14px/1.4 ui-monospace,monospace;padding:12px 16px;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = problems.join("\n");
  }
  source.addEventListener("hello", function (e) {
    var data = JSON.parse(e.data);
    if (first !== null && data.generation !== first) location.reload();
    first = data.generation;
    banner(data.problems);
  });
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("problems", function (e) { banner(JSON.parse(e.data).problems); });
})();
