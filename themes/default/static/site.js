// postsale: optional enhancements. Every page reads fine without this script: it only adds
// sorting to tables marked `sortable`, filtering to lists with a filter box, the Menu button
// that folds the site links on a narrow screen, and a "scroll →" hint over wide tables.
(function () {
  "use strict";
  function key(cell) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null) raw = cell.textContent.trim();
    var n = parseFloat(raw);
    return isNaN(n) || raw === "" ? { n: null, s: raw.toLowerCase() } : { n: n, s: raw };
  }
  function compare(a, b) {
    if (a.n !== null && b.n !== null) return a.n - b.n;
    if (a.n !== null) return -1;
    if (b.n !== null) return 1;
    return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, index) {
      th.tabIndex = 0;
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var c = compare(key(r1.cells[index]), key(r2.cells[index]));
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  });
  document.querySelectorAll("input.filter[data-filter]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-filter"));
    if (!list) return;
    input.hidden = false;
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(list.children, function (li) {
        li.hidden = q !== "" && li.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
  var header = document.querySelector(".site-header");
  var menu = header && header.querySelector(".menu-button");
  if (menu) {
    menu.hidden = false;
    header.classList.add("folded");
    menu.addEventListener("click", function () {
      var open = header.classList.toggle("folded") === false;
      menu.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // A table or chart wider than its box: the box takes keyboard focus so it can be scrolled
  // without a mouse, and a table's box shows "scroll →".
  function markWide() {
    document.querySelectorAll(".table-wrap, .chart-svg").forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("scrolls", wide);
      if (wide) box.tabIndex = 0;
      else box.removeAttribute("tabindex");
    });
  }
  markWide();
  window.addEventListener("resize", markWide);
  // A chart's data table is measured when its details open.
  document.addEventListener("toggle", markWide, true);
})();
