/* Charts above the statistics tables, drawn with Apache ECharts (static/vendor/echarts.min.js,
 * the global `echarts`). A page that has charts loads both scripts in its `charts` block
 * ({% include "_partials/charts.html" %}) and declares each chart as data, since the
 * Content-Security-Policy allows no inline script:
 *
 *   {{ data|json_script:"quality-data" }}
 *   <div class="chart" data-chart="bar|line|pie" data-source="quality-data"
 *        data-title="部门数据质量综合得分" data-unit="分"
 *        data-orient="horizontal" data-stack="1"></div>
 *
 * The JSON is {"unit": "件", "categories": [...], "series": [{"name": ..., "data": [...]}],
 * "links": [...], "empty_text": "..."}: one value per category in each series; `links`
 * (optional; a series may have its own) is the list a category's numbers count, opened by a
 * click. data-unit and data-title win over the JSON's `unit` and `title`; data-decimal="1"
 * allows fractions on the value axis. A chart without a number is hidden: the table below
 * says why it is empty (`empty_text` says the same to other readers of the JSON). Values are written on the bars, points and slices (label.show), so the
 * chart reads without hovering; the table below keeps every number. Tooltips are drawn on the
 * canvas (renderMode "richText"): ECharts' HTML tooltips carry style attributes the policy
 * refuses.
 */
(function () {
  "use strict";

  var drawn = [];
  var PALETTE = ["#1677ff", "#cf1322", "#faad14", "#52c41a", "#722ed1", "#13c2c2", "#eb2f96", "#8c8c8c"];

  function read(el) {
    var source = document.getElementById(el.dataset.source || "");
    if (!source) {
      return null;
    }
    try {
      return JSON.parse(source.textContent);
    } catch (e) {
      return null;
    }
  }

  function isEmpty(data) {
    if (!data || !Array.isArray(data.categories) || !Array.isArray(data.series)) {
      return true;
    }
    return !data.series.some(function (s) {
      return (s.data || []).some(function (v) { return v; });
    });
  }

  function narrow(el) {
    return el.clientWidth < 520;
  }

  function valueLabel() {
    return function (p) {
      var v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
      return v === null || v === undefined || v === 0 ? "" : String(v);
    };
  }

  function title(el, data, unit) {
    return {
      text: el.dataset.title || data.title || "",
      subtext: unit ? "单位：" + unit : "",
      left: "center",
      textStyle: { fontSize: 15, fontWeight: 600 },
      subtextStyle: { fontSize: 12 }
    };
  }

  function pieOption(el, data, unit) {
    var series = data.series[0];
    return {
      animation: false,
      color: PALETTE,
      title: title(el, data, unit),
      tooltip: { trigger: "item", renderMode: "richText" },
      legend: { type: "scroll", bottom: 0 },
      series: [{
        name: series.name,
        type: "pie",
        radius: narrow(el) ? ["28%", "52%"] : ["35%", "62%"],
        center: ["50%", "54%"],
        data: data.categories.map(function (name, i) {
          return { name: name, value: series.data[i], link: (data.links || [])[i] || "" };
        }).filter(function (d) { return d.value; }),
        label: { show: true, formatter: "{b}\n{c}" + unit + "（{d}%）" }
      }]
    };
  }

  function axisOption(kind, el, data, unit) {
    var horizontal = kind === "bar" && el.dataset.orient === "horizontal";
    var stacked = kind === "bar" && el.dataset.stack === "1";
    var several = data.series.length > 1;
    var categoryAxis = {
      type: "category",
      data: data.categories,
      inverse: horizontal,
      axisLabel: horizontal
        ? { width: narrow(el) ? 90 : 180, overflow: "truncate" }
        : { hideOverlap: true }
    };
    var valueAxis = { type: "value", minInterval: el.dataset.decimal === "1" ? 0 : 1 };
    return {
      animation: false,
      color: PALETTE,
      title: title(el, data, unit),
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: several ? { type: "scroll", bottom: 0 } : undefined,
      grid: { left: 12, right: horizontal ? 48 : 24, top: 64, bottom: several ? 36 : 12, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: data.series.map(function (s) {
        return {
          name: s.name,
          type: kind,
          data: s.data,
          stack: stacked ? "total" : undefined,
          barMaxWidth: 32,
          label: {
            show: true,
            position: stacked ? "inside" : (horizontal ? "right" : "top"),
            formatter: valueLabel(),
            fontSize: 11
          }
        };
      })
    };
  }

  function draw(el) {
    var kind = el.dataset.chart;
    var data = read(el);
    if (["bar", "line", "pie"].indexOf(kind) < 0 || data === null) {
      return;
    }
    if (isEmpty(data)) {
      // Nothing to draw: the table below says why (its empty row); the chart steps aside.
      el.hidden = true;
      el.dataset.rendered = "empty";
      return;
    }
    var unit = el.dataset.unit || data.unit || "";
    if (kind === "bar" && el.dataset.orient === "horizontal") {
      el.style.height = Math.max(320, data.categories.length * 28 + 110) + "px";
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(kind === "pie" ? pieOption(el, data, unit) : axisOption(kind, el, data, unit));
    var linked = Array.isArray(data.links) || data.series.some(function (s) { return Array.isArray(s.links); });
    if (linked) {
      chart.on("click", function (p) {
        var series = data.series[p.seriesIndex] || {};
        var links = series.links || data.links || [];
        var url = kind === "pie" ? p.data && p.data.link : links[p.dataIndex];
        if (url) {
          window.location.href = url;
        }
      });
    }
    el.dataset.rendered = "chart";
    drawn.push(chart);
  }

  function drawAll() {
    if (!window.echarts) {
      return;
    }
    document.querySelectorAll(".chart[data-chart]").forEach(draw);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      drawn.forEach(function (chart) { chart.resize(); });
    }, 150);
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
