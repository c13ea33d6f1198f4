// postsale: on the account and CSM index pages, the row count follows the filter box ("12 of
// 300 accounts"). site.js does the filtering and sorting; without scripts the table is plain.
(function () {
  "use strict";
  var count = document.querySelector(".index-count[data-total]");
  var body = document.getElementById("entity-rows");
  var input = document.querySelector("input.filter[data-filter='entity-rows']");
  if (!count || !body || !input) return;
  var total = Number(count.getAttribute("data-total"));
  var noun = count.getAttribute("data-noun");
  input.addEventListener("input", function () {
    // After site.js has hidden the rows that do not match.
    setTimeout(function () {
      var shown = 0;
      Array.prototype.forEach.call(body.rows, function (r) { if (!r.hidden) shown += 1; });
      count.textContent = shown === total ? total + " " + noun : shown + " of " + total + " " + noun;
    }, 0);
  });
})();
