/* The board designer (报表设计): panels on gridstack's 12-column grid (drag to move, drag the
 * corner to resize), an editor per panel in the side list (title, dataset chosen from the
 * catalogue by group with its description, chart type limited to the dataset's, options, fixed
 * filters), a live preview in each cell drawn by CreditPanels (dashboard/panels.js), and the
 * save button that posts the whole board as JSON; the server's refusals are shown next to the
 * panel they name.
 *
 * The page supplies, as JSON scripts: the board ("board-data"), the datasets, chart types and
 * options ("designer-data"), the choices of the fixed filters ("filter-choices").
 * No inline script or style: the CSP allows neither.
 */
(function () {
  "use strict";

  var COLUMNS = 12;
  var ONE_COLUMN_BELOW = 768;
  var CELL_HEIGHT = 80;
  var NEW_W = 6;
  var NEW_H = 4;
  var MAX_PANELS = 24;
  var FILTER_LABELS = { region: "辖市区", department: "部门", item: "目录项", from: "起始月份", to: "截止月份" };

  var root, grid, catalogue, datasets, filterChoices;
  var models = [];
  var version = 0;
  var serial = 0;
  var dirty = false;

  /* --- utilities ------------------------------------------------------------------------- */

  function readJSON(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function labelled(text, control, cls) {
    var label = el("label", cls || null);
    if (cls === "check") {
      label.appendChild(control);
      label.appendChild(document.createTextNode(text));
    } else {
      label.appendChild(document.createTextNode(text + " "));
      label.appendChild(control);
    }
    return label;
  }
  function option(value, text, selected) {
    var o = el("option", null, text);
    o.value = value;
    if (selected) { o.selected = true; }
    return o;
  }
  function status(text, kind) {
    var s = document.getElementById("designer-status");
    s.textContent = text;
    s.className = "designer-status" + (kind ? " " + kind : "");
  }
  function markDirty() {
    dirty = true;
    status("有未保存的修改", "");
  }
  function wide() { return grid && grid.getColumn() === COLUMNS; }

  /* --- the preview ----------------------------------------------------------------------- */

  function preview(model) {
    var article = model.article;
    var body = article.querySelector(".panel-body");
    if (window.echarts) {
      var old = window.echarts.getInstanceByDom(body);
      if (old) { old.dispose(); }
    }
    var metric = article.querySelector("header select.map-metric");
    if (metric) { metric.remove(); }
    body.textContent = "";
    article.querySelector(".panel-note").textContent = "";
    article.className = "panel board-panel panel-" + (model.chart || "none");
    article.querySelector("h2").textContent = model.title || titleOf(model.dataset) || "未命名面板";
    var exportLink = article.querySelector("a.export");
    if (!datasets[model.dataset] || !model.chart) {
      body.appendChild(el("p", "muted", "请在右侧选择数据集和图表类型"));
      exportLink.hidden = true;
      return;
    }
    var query = new URLSearchParams(model.filters);
    exportLink.hidden = false;
    exportLink.href = root.dataset.xlsxUrl.replace("CODE", model.dataset) +
      (query.toString() ? "?" + query.toString() : "");
    if (!window.CreditPanels || !window.echarts) {
      body.appendChild(el("p", "error", "图表组件加载失败，无法预览"));
      return;
    }
    body.appendChild(el("p", "muted loading", "正在加载…"));
    article.dataset.dataset = model.dataset;
    article.dataset.chart = model.chart;
    article.dataset.options = JSON.stringify(model.options);
    window.CreditPanels.load(article, query);
  }

  var pendingPreview = {};
  function schedulePreview(model) {
    window.clearTimeout(pendingPreview[model.uid]);
    pendingPreview[model.uid] = window.setTimeout(function () { preview(model); }, 250);
  }
  function resizeChart(model) {
    if (!window.echarts) { return; }
    var chart = window.echarts.getInstanceByDom(model.article.querySelector(".panel-body"));
    if (chart) { chart.resize(); }
  }

  /* --- the catalogue of datasets -------------------------------------------------------- */

  function titleOf(code) { return datasets[code] ? datasets[code].title : ""; }

  function datasetSelect(model) {
    var select = el("select");
    select.setAttribute("data-field", "dataset");
    select.appendChild(option("", "请选择数据集", !model.dataset));
    if (model.dataset && !datasets[model.dataset]) {
      select.appendChild(option(model.dataset, "（已停用或无权使用）" + model.dataset, true));
    }
    catalogue.groups.forEach(function (group) {
      var og = document.createElement("optgroup");
      og.label = group.label;
      group.datasets.forEach(function (d) {
        og.appendChild(option(d.code, d.title, d.code === model.dataset));
      });
      select.appendChild(og);
    });
    return select;
  }

  function fillCharts(select, model) {
    select.textContent = "";
    var d = datasets[model.dataset];
    var allowed = d ? d.charts : [];
    if (!allowed.length) { select.appendChild(option("", "请先选择数据集", true)); return; }
    allowed.forEach(function (c) {
      select.appendChild(option(c, catalogue.charts[c] || c, c === model.chart));
    });
  }

  function describe(help, model) {
    var d = datasets[model.dataset];
    help.textContent = d ? d.description + (d.unit ? "（单位：" + d.unit + "）" : "") : "";
  }

  /* --- options and fixed filters ---------------------------------------------------------- */

  function fillOptions(box, model) {
    box.textContent = "";
    var keys = Object.keys(catalogue.options).filter(function (k) {
      return catalogue.options[k].charts.indexOf(model.chart) >= 0;
    });
    box.hidden = !keys.length;
    if (!keys.length) { return; }
    box.appendChild(el("legend", null, "图表选项"));
    keys.forEach(function (key) {
      var spec = catalogue.options[key];
      var control;
      if (spec.kind === "bool") {
        control = el("input");
        control.type = "checkbox";
        control.checked = model.options[key] === true;
        control.addEventListener("change", function () {
          if (control.checked) { model.options[key] = true; } else { delete model.options[key]; }
          changed(model, true);
        });
        box.appendChild(labelled(spec.label, control, "check"));
        return;
      }
      if (spec.kind === "choice") {
        control = el("select");
        control.appendChild(option("", "（默认）", model.options[key] === undefined));
        spec.choices.forEach(function (c) {
          control.appendChild(option(c[0], c[1], model.options[key] === c[0]));
        });
        control.addEventListener("change", function () {
          if (control.value) { model.options[key] = control.value; } else { delete model.options[key]; }
          changed(model, true);
        });
      } else {
        control = el("input");
        control.type = "number";
        control.min = spec.low;
        control.max = spec.high;
        control.placeholder = "不限";
        control.value = model.options[key] === undefined ? "" : model.options[key];
        control.addEventListener("change", function () {
          var v = control.value.trim();
          if (v === "") { delete model.options[key]; } else { model.options[key] = Number(v); }
          changed(model, true);
        });
      }
      control.setAttribute("data-option", key);
      box.appendChild(labelled(spec.label, control));
    });
  }

  function filtersBox(model) {
    var box = el("details");
    box.appendChild(el("summary", null, "固定筛选（可选）"));
    box.appendChild(el("p", "muted dataset-help", "固定后，该面板不随报表页的筛选条件变化。"));
    if (Object.keys(model.filters).length) { box.open = true; }
    Object.keys(FILTER_LABELS).forEach(function (key) {
      var control;
      if (filterChoices[key]) {
        control = el("select");
        filterChoices[key].forEach(function (c) {
          control.appendChild(option(c[0], c[0] ? c[1] : "（不固定）", (model.filters[key] || "") === c[0]));
        });
        if (model.filters[key] && control.value !== model.filters[key]) {
          control.appendChild(option(model.filters[key], model.filters[key], true));
        }
      } else {
        control = el("input");
        control.type = "month";
        control.placeholder = "2026-01";
        control.value = model.filters[key] || "";
      }
      control.setAttribute("data-filter", key);
      control.addEventListener("change", function () {
        var v = control.value.trim();
        if (v) { model.filters[key] = v; } else { delete model.filters[key]; }
        changed(model, true);
      });
      box.appendChild(labelled(FILTER_LABELS[key], control));
    });
    return box;
  }

  /* --- one panel: its cell and its editor ---------------------------------------------- */

  function changed(model, redraw) {
    clearErrors(model);
    markDirty();
    if (redraw) { schedulePreview(model); }
  }

  function sizeText(model) {
    return "位置：第 " + (model.x + 1) + " 列、第 " + (model.y + 1) + " 行；大小：" + model.w + " 列 × " + model.h + " 行";
  }

  function buildEditor(model) {
    var li = el("li", "panel-editor");
    li.setAttribute("data-testid", "panel-editor");
    var head = el("div", "editor-head");
    var heading = el("h3");
    var remove = el("button", "link", "删除");
    remove.type = "button";
    head.appendChild(heading);
    head.appendChild(remove);
    li.appendChild(head);

    var title = el("input");
    title.type = "text";
    title.maxLength = 100;
    title.value = model.title;
    title.setAttribute("data-field", "title");
    li.appendChild(labelled("标题", title));

    var dataset = datasetSelect(model);
    li.appendChild(labelled("数据集", dataset));
    var help = el("p", "muted dataset-help");
    describe(help, model);
    li.appendChild(help);

    var chart = el("select");
    chart.setAttribute("data-field", "chart");
    fillCharts(chart, model);
    li.appendChild(labelled("图表类型", chart));

    var options = el("fieldset", "panel-options");
    fillOptions(options, model);
    li.appendChild(options);
    li.appendChild(filtersBox(model));

    var size = el("p", "muted editor-size", sizeText(model));
    li.appendChild(size);
    var errors = el("ul", "panel-errors");
    errors.setAttribute("data-testid", "panel-errors");
    errors.hidden = true;
    li.appendChild(errors);

    function retitle() {
      heading.textContent = (models.indexOf(model) + 1) + ". " + (model.title || titleOf(model.dataset) || "未命名面板");
    }
    model.retitle = retitle;
    model.sizeLabel = size;
    model.errors = errors;
    retitle();

    title.addEventListener("input", function () {
      model.title = title.value;
      retitle();
      model.article.querySelector("h2").textContent = model.title || titleOf(model.dataset) || "未命名面板";
      clearErrors(model);
      markDirty();
    });
    dataset.addEventListener("change", function () {
      var previous = titleOf(model.dataset);
      model.dataset = dataset.value;
      if (!model.title || model.title === previous) {
        model.title = titleOf(model.dataset);
        title.value = model.title;
      }
      var d = datasets[model.dataset];
      if (d && d.charts.indexOf(model.chart) < 0) { model.chart = d.charts[0]; }
      describe(help, model);
      fillCharts(chart, model);
      model.options = pruneOptions(model.options, model.chart);
      fillOptions(options, model);
      retitle();
      changed(model, true);
    });
    chart.addEventListener("change", function () {
      model.chart = chart.value;
      model.options = pruneOptions(model.options, model.chart);
      fillOptions(options, model);
      changed(model, true);
    });
    remove.addEventListener("click", function () { removePanel(model); });
    li.addEventListener("focusin", function () { activate(model, false); });
    li.addEventListener("click", function () { activate(model, false); });
    return li;
  }

  function pruneOptions(options, chart) {
    var kept = {};
    Object.keys(options).forEach(function (k) {
      var spec = catalogue.options[k];
      if (spec && spec.charts.indexOf(chart) >= 0) { kept[k] = options[k]; }
    });
    return kept;
  }

  function buildCell(model) {
    var item = el("div", "grid-stack-item");
    item.setAttribute("data-testid", "designer-cell");
    var content = el("div", "grid-stack-item-content");
    var article = el("article", "panel board-panel");
    var header = el("header");
    header.appendChild(el("h2"));
    var exportLink = el("a", "export", "导出 Excel");
    exportLink.hidden = true;
    header.appendChild(exportLink);
    article.appendChild(header);
    article.appendChild(el("div", "panel-body"));
    article.appendChild(el("p", "panel-note muted"));
    content.appendChild(article);
    item.appendChild(content);
    item.addEventListener("mousedown", function () { activate(model, true); });
    model.article = article;
    return item;
  }

  function activate(model, scroll) {
    models.forEach(function (m) {
      m.editor.classList.toggle("active", m === model);
      m.item.classList.toggle("active", m === model);
    });
    if (scroll && model.editor.scrollIntoView) {
      model.editor.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }

  function addPanel(data, autoPosition) {
    var model = {
      uid: ++serial,
      title: data.title || "",
      dataset: data.dataset || "",
      chart: data.chart || "",
      options: Object.assign({}, data.options || {}),
      filters: Object.assign({}, data.filters || {}),
      x: data.x || 0, y: data.y || 0, w: data.w || NEW_W, h: data.h || NEW_H
    };
    models.push(model);
    model.item = buildCell(model);
    model.editor = buildEditor(model);
    document.getElementById("panel-list").appendChild(model.editor);
    var node = { w: model.w, h: model.h };
    if (autoPosition && !wide()) {
      // One column on a narrow screen: the new panel goes below the others, full 12-column terms.
      model.x = 0;
      model.y = models.reduce(function (low, m) { return m === model ? low : Math.max(low, m.y + m.h); }, 0);
      autoPosition = false;
    }
    if (autoPosition) { node.autoPosition = true; } else { node.x = model.x; node.y = model.y; }
    grid.el.appendChild(model.item);
    grid.makeWidget(model.item, node);
    if (model.item.gridstackNode && wide()) {
      var n = model.item.gridstackNode;
      model.x = n.x; model.y = n.y; model.w = n.w; model.h = n.h;
      model.sizeLabel.textContent = sizeText(model);
    }
    emptyState();
    preview(model);
    return model;
  }

  function removePanel(model) {
    var name = model.title || titleOf(model.dataset) || "未命名面板";
    if (!window.confirm("确定删除面板“" + name + "”吗？保存后生效。")) { return; }
    if (window.echarts) {
      var chart = window.echarts.getInstanceByDom(model.article.querySelector(".panel-body"));
      if (chart) { chart.dispose(); }
    }
    grid.removeWidget(model.item);
    model.editor.remove();
    models.splice(models.indexOf(model), 1);
    models.forEach(function (m) { m.retitle(); });
    emptyState();
    markDirty();
  }

  function emptyState() {
    document.getElementById("grid-empty").hidden = models.length > 0;
    document.getElementById("add-panel").disabled = models.length >= MAX_PANELS;
  }

  /* --- errors from the server ---------------------------------------------------------------- */

  function clearErrors(model) {
    model.errors.textContent = "";
    model.errors.hidden = true;
    model.editor.classList.remove("invalid");
    model.item.classList.remove("invalid");
  }

  function showErrors(errors) {
    models.forEach(clearErrors);
    var general = [];
    (errors || []).forEach(function (e) {
      var model = e.panel === null || e.panel === undefined ? null : models[e.panel];
      if (!model) { general.push(e.message); return; }
      model.errors.appendChild(el("li", null, e.message));
      model.errors.hidden = false;
      model.editor.classList.add("invalid");
      model.item.classList.add("invalid");
    });
    var first = models.filter(function (m) { return !m.errors.hidden; })[0];
    if (first) { activate(first, true); }
    return general;
  }

  /* --- saving ------------------------------------------------------------------------------- */

  function payload() {
    return {
      version: version,
      title: document.getElementById("board-title").value,
      description: document.getElementById("board-description").value,
      panels: models.map(function (m) {
        return {
          title: m.title, dataset: m.dataset, chart: m.chart, options: m.options,
          filters: m.filters, x: m.x, y: m.y, w: m.w, h: m.h
        };
      })
    };
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function save() {
    var button = document.getElementById("save-board");
    button.disabled = true;
    status("正在保存…", "");
    fetch(root.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(payload())
    })
      .then(function (r) {
        return r.json().catch(function () { return { ok: false, message: "保存失败（" + r.status + "），请稍后重试" }; });
      })
      .then(function (answer) {
        if (answer.ok) {
          version = answer.version;
          dirty = false;
          models.forEach(clearErrors);
          if (answer.board) {
            answer.board.panels.forEach(function (p, i) {
              if (models[i] && models[i].title !== p.title) {
                models[i].title = p.title;
                models[i].editor.querySelector("[data-field=title]").value = p.title;
                models[i].retitle();
              }
            });
          }
          status(answer.message, "ok");
          return;
        }
        var general = showErrors(answer.errors);
        status(general.length ? general.join("；") : answer.message, "bad");
      })
      .catch(function () { status("网络错误，报表未保存，请稍后重试", "bad"); })
      .then(function () { button.disabled = false; });
  }

  /* --- the grid ------------------------------------------------------------------------------- */

  function byItem(item) {
    for (var i = 0; i < models.length; i++) { if (models[i].item === item) { return models[i]; } }
    return null;
  }

  /* One column on a narrow screen, switched here rather than by gridstack's breakpoints so
   * that the 12-column layout is always the one loaded and saved (gridstack keeps it while it
   * shows one column, and puts it back). Moving and resizing need the 12 columns. */
  function fitToScreen() {
    var want = window.innerWidth < ONE_COLUMN_BELOW ? 1 : COLUMNS;
    if (grid.getColumn() !== want) { grid.column(want, "list"); }
    var editable = wide();
    grid.enableMove(editable);
    grid.enableResize(editable);
    document.getElementById("designer-narrow").hidden = editable;
  }

  function startGrid() {
    grid = window.GridStack.init({
      column: COLUMNS,
      cellHeight: CELL_HEIGHT,
      margin: 6,
      float: false,
      minRow: 2,
      resizable: { handles: "se" }
    }, document.getElementById("designer-grid"));
    grid.on("change", function (event, nodes) {
      if (!wide()) { return; }
      (nodes || []).forEach(function (n) {
        var model = byItem(n.el);
        if (!model) { return; }
        var moved = model.x !== n.x || model.y !== n.y || model.w !== n.w || model.h !== n.h;
        model.x = n.x; model.y = n.y; model.w = n.w; model.h = n.h;
        model.sizeLabel.textContent = sizeText(model);
        if (moved) { clearErrors(model); markDirty(); }
      });
    });
    grid.on("resizestop", function (event, item) {
      var model = byItem(item);
      if (model) { window.setTimeout(function () { resizeChart(model); }, 50); }
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        fitToScreen();
        models.forEach(resizeChart);
      }, 200);
    });
  }

  /* --- start ----------------------------------------------------------------------------------- */

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("designer");
    if (!root) { return; }
    var board = readJSON("board-data");
    catalogue = readJSON("designer-data");
    filterChoices = readJSON("filter-choices") || {};
    datasets = {};
    catalogue.groups.forEach(function (g) { g.datasets.forEach(function (d) { datasets[d.code] = d; }); });
    if (!window.GridStack) {
      status("拖放组件加载失败，请刷新页面重试", "bad");
      return;
    }
    version = board.version;
    var title = document.getElementById("board-title");
    var description = document.getElementById("board-description");
    title.value = board.title;
    description.value = board.description;
    title.addEventListener("input", markDirty);
    description.addEventListener("input", markDirty);
    startGrid();
    board.panels.forEach(function (p) { addPanel(p, false); });
    fitToScreen();
    emptyState();
    status("", "");

    document.getElementById("add-panel").addEventListener("click", function () {
      if (models.length >= MAX_PANELS) { return; }
      var first = catalogue.groups.length ? catalogue.groups[0].datasets[0] : null;
      var model = addPanel({
        title: first ? first.title : "",
        dataset: first ? first.code : "",
        chart: first ? first.charts[0] : "",
        w: NEW_W, h: NEW_H
      }, true);
      activate(model, true);
      markDirty();
    });
    document.getElementById("save-board").addEventListener("click", save);
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  });
})();
