/* Open the table of contents on wide screens; on phones it stays a collapsed menu. */
(function () {
  var toc = document.querySelector("[data-qser-toc]");
  if (!toc || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 60rem)");
  function sync() { if (wide.matches) toc.setAttribute("open", ""); }
  sync();
  if (wide.addEventListener) wide.addEventListener("change", sync);
})();
