/* The portal's behaviour, loaded with `defer` (no inline script: Content Security Policy).
 *
 * 1. Focus: an element marked `data-focus` (a form's error summary, the "received" title) takes
 *    the focus when the page opens, so a screen reader announces it first.
 * 2. Charts: a table marked `data-chart-column="N"` gets a horizontal bar chart of its Nth
 *    column drawn after it, as SVG. The table stays the source (and what assistive technology
 *    reads); every bar carries its place name and its number, so nothing is told by colour.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function focusMarked() {
    var target = document.querySelector("[data-focus]");
    if (target) target.focus();
  }

  function svg(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function number(cell) {
    var value = parseFloat((cell.textContent || "").replace(/\./g, "").replace(",", "."));
    return isNaN(value) ? 0 : value;
  }

  function drawChart(table) {
    var column = parseInt(table.getAttribute("data-chart-column"), 10);
    var rows = Array.prototype.slice.call(table.tBodies[0].rows).map(function (row) {
      return { label: row.cells[0].textContent.trim(), value: number(row.cells[column]) };
    });
    if (!rows.length) return;
    var max = Math.max.apply(null, rows.map(function (r) { return r.value; })) || 1;
    var barHeight = 22, gap = 30, width = 320, labelWidth = 0, top = 4;
    var chart = svg("svg", {
      viewBox: "0 0 " + width + " " + (rows.length * gap + top),
      width: "100%",
      "aria-hidden": "true",
      focusable: "false",
      "class": "bar-chart"
    });
    rows.forEach(function (row, i) {
      var y = top + i * gap;
      var length = Math.max(1, Math.round((width * 0.6) * row.value / max));
      chart.appendChild(svg("rect", {
        x: labelWidth, y: y + 12, width: length, height: barHeight - 12, "class": "bar"
      }));
      chart.appendChild(svg("text", { x: labelWidth, y: y + 9, "class": "bar-label" },
        row.label));
      chart.appendChild(svg("text", { x: labelWidth + length + 4, y: y + 21, "class": "bar-value" },
        String(row.value)));
    });
    var figure = document.createElement("figure");
    figure.className = "chart";
    figure.setAttribute("data-testid", "chart");
    var caption = document.createElement("figcaption");
    caption.textContent = table.getAttribute("data-chart-title") || "";
    figure.appendChild(caption);
    figure.appendChild(chart);
    var after = table.closest(".table-scroll") || table;
    after.parentNode.insertBefore(figure, after.nextSibling);
  }

  function start() {
    focusMarked();
    document.querySelectorAll("table[data-chart-column]").forEach(drawChart);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
