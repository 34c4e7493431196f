/* A composed board (统计报表): its panels sit on gridstack's 12-column grid, fixed (one column
 * on a phone), and each is drawn by CreditPanels (dashboard/panels.js) with its own query: the
 * page's filters, the panel's fixed filters winning (data-query, written by the page).
 * No inline script or style: the CSP allows neither.
 */
(function () {
  "use strict";

  var ONE_COLUMN_BELOW = 768;
  var CELL_HEIGHT = 80;

  function resizeCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll(".panel-body").forEach(function (body) {
      var chart = window.echarts.getInstanceByDom(body);
      if (chart) { chart.resize(); }
    });
  }

  function unavailable(panel, text) {
    var body = panel.querySelector(".panel-body");
    if (!body) { return; }
    body.textContent = "";
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = text;
    body.appendChild(p);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var gridEl = document.querySelector("[data-board-grid]");
    if (!gridEl) { return; }
    if (window.GridStack) {
      window.GridStack.init({
        staticGrid: true,
        column: 12,
        cellHeight: CELL_HEIGHT,
        margin: 6,
        float: false,
        columnOpts: {
          breakpointForWindow: true,
          breakpoints: [{ w: ONE_COLUMN_BELOW, c: 1 }],
          layout: "list"
        }
      }, gridEl);
    }
    var panels = gridEl.querySelectorAll("article[data-dataset]");
    if (!window.CreditPanels || !window.echarts) {
      panels.forEach(function (panel) { unavailable(panel, "图表组件加载失败，请刷新页面重试"); });
      return;
    }
    panels.forEach(function (panel) {
      window.CreditPanels.load(panel, new URLSearchParams(panel.dataset.query || ""));
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () { resizeCharts(gridEl); }, 200);
    });
  });
})();
