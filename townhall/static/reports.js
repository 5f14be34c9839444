/* Townhall report charts: each <canvas data-chart="ID"> is drawn with Chart.js from the JSON
   the page put in <script type="application/json" id="ID"> (Django's json_script): the same
   figures as the tables beside it. No inline script, no network. */
(function () {
  "use strict";

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function draw(canvas) {
    var data = readData(canvas.dataset.chart);
    if (!data || typeof window.Chart === "undefined") { return; }
    var stacked = data.series.length > 1 && data.type === "bar" && canvas.dataset.chart === "chart-dialogues";
    var chart = new window.Chart(canvas, {
      type: data.type || "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s) {
          return { label: s.label, data: s.data, backgroundColor: s.color, borderColor: s.color };
        })
      },
      options: {
        responsive: true,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    canvas.dataset.drawn = "true";
    return chart;
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
