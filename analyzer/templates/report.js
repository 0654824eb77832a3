(function () {
  "use strict";

  function sortKey(row, index) {
    var cell = row.cells[index];
    var value = cell.getAttribute("data-sort-value");
    if (value === null) { value = cell.textContent.trim(); }
    if (value !== "" && !isNaN(Number(value))) { return Number(value); }
    return value.toLowerCase();
  }

  function sortTable(table, th) {
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = sortKey(a, index), y = sortKey(b, index);
      if (x === y) { return 0; }
      if (x === "") { return 1; }
      if (y === "") { return -1; }
      if (typeof x !== typeof y) { x = String(x); y = String(y); }
      return (x < y ? -1 : 1) * (ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th button").forEach(function (button) {
      button.addEventListener("click", function () { sortTable(table, button.closest("th")); });
    });
  });

  var review = document.getElementById("review-table");
  if (review) {
    var controls = Array.prototype.slice.call(document.querySelectorAll("[data-filter]"));
    var count = document.getElementById("review-count");
    var apply = function () {
      var shown = 0;
      Array.prototype.forEach.call(review.tBodies[0].rows, function (row) {
        var keep = controls.every(function (control) {
          var key = control.getAttribute("data-filter");
          var value = control.value.trim();
          if (control.type === "checkbox") { return !control.checked || row.getAttribute("data-" + key) === "1"; }
          if (control.type === "search") {
            return !value || row.getAttribute("data-search").indexOf(value.toLowerCase()) >= 0;
          }
          if (control.type === "number") {
            var score = parseFloat(row.getAttribute("data-score"));
            return value === "" || isNaN(Number(value)) || (!isNaN(score) && score < Number(value));
          }
          return !value || row.getAttribute("data-" + key) === value;
        });
        row.hidden = !keep;
        if (keep) { shown += 1; }
      });
      count.textContent = shown + " of " + review.tBodies[0].rows.length + " calls shown";
    };
    controls.forEach(function (control) {
      control.addEventListener("input", apply);
      control.addEventListener("change", apply);
    });
    apply();
  }
})();
