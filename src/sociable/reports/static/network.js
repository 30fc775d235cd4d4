/* sociable network view: draws the Map's network with sigma.js from the JSON the report embeds.
   Handles and names come from profiles: they reach the page only as textContent or canvas text,
   never as HTML. No eval and no inline style sheet, so it runs under the web app's strict policy.
   Without WebGL or JavaScript the server-drawn SVG stays in place. */
(function () {
  "use strict";

  var FADED = "#efefef";
  var EDGE = "#cccccc";
  var EDGE_NEAR = "#555555";
  var HEIGHT = "36rem";

  function readData(figure) {
    var source = document.getElementById(figure.getAttribute("data-network"));
    if (!source) return null;
    try {
      return JSON.parse(source.textContent);
    } catch (error) {
      return null;
    }
  }

  function buildGraph(data) {
    var graph = new window.graphology.UndirectedGraph();
    var nodes = data.nodes;
    for (var i = 0; i < nodes.handle.length; i += 1) {
      graph.addNode(String(i), {
        x: nodes.x[i], y: nodes.y[i], size: nodes.size[i], label: "@" + nodes.handle[i],
        handle: nodes.handle[i], zIndex: nodes.handle.length - i,
      });
    }
    var edges = data.edges;
    for (var j = 0; j < edges.source.length; j += 1) {
      graph.addEdgeWithKey(String(j), String(edges.source[j]), String(edges.target[j]),
                           { size: edges.size[j], color: EDGE });
    }
    return graph;
  }

  // Where each edge's (period, weight) entries start in the flat period arrays.
  function periodOffsets(edges) {
    var offsets = [0];
    var counts = edges.periodCount || [];
    for (var j = 0; j < counts.length; j += 1) offsets.push(offsets[j] + counts[j]);
    return offsets;
  }

  function number(value) { return value.toLocaleString("en-GB"); }

  // Exact handle first, then a handle starting with the text, then any handle or name containing it.
  // Nodes come in descending PageRank, so the best-known match wins each round.
  function findNode(data, text) {
    var query = text.trim().replace(/^@/, "").toLowerCase();
    if (!query) return -1;
    var handles = data.nodes.handle, names = data.nodes.name, i;
    for (i = 0; i < handles.length; i += 1) if (handles[i].toLowerCase() === query) return i;
    for (i = 0; i < handles.length; i += 1) if (handles[i].toLowerCase().indexOf(query) === 0) return i;
    for (i = 0; i < handles.length; i += 1) {
      if (handles[i].toLowerCase().indexOf(query) >= 0 || names[i].toLowerCase().indexOf(query) >= 0) return i;
    }
    return -1;
  }

  function describe(data, index) {
    var nodes = data.nodes;
    var name = nodes.name[index] ? " (" + nodes.name[index] + ")" : "";
    var sector = data.filters.sector[nodes.sector[index]].label;
    return "@" + nodes.handle[index] + name + ": " + sector + ", community " + nodes.community[index] +
      ", PageRank rank " + (index + 1).toLocaleString("en-GB") + " of " + data.total.toLocaleString("en-GB") +
      ", " + sigmaDegree(data, index) + " neighbours shown.";
  }

  function sigmaDegree(data, index) {
    var count = 0, edges = data.edges;
    for (var j = 0; j < edges.source.length; j += 1) {
      if (edges.source[j] === index || edges.target[j] === index) count += 1;
    }
    return count.toLocaleString("en-GB");
  }

  function fillHandles(list, data) {
    if (!list) return;
    var limit = Math.min(data.nodes.handle.length, 1000);
    for (var i = 0; i < limit; i += 1) {
      var option = document.createElement("option");
      option.value = data.nodes.handle[i];
      list.appendChild(option);
    }
  }

  function View(figure, data) {
    this.figure = figure;
    this.data = data;
    this.mode = "sector";
    this.selected = null;
    this.neighbours = null;
    this.canvas = figure.querySelector("[data-network-canvas]");
    this.picture = figure.querySelector("[data-network-static]");
    this.status = figure.querySelector("[data-network-status]");
    this.count = figure.querySelector("[data-network-count]");
    this.offsets = periodOffsets(data.edges);
    if (!data.edges.weight) {
      data.edges.weight = [];
      for (var j = 0; j < data.edges.source.length; j += 1) data.edges.weight.push(this.weightIn(j, 0, Infinity));
    }
    this.hiddenNode = [];
    this.hiddenEdge = [];
    this.pendingLabels = [];
  }

  View.prototype.colour = function (index) {
    var key = this.mode === "community" ? "byCommunity" : "bySector";
    return this.data.legends[this.mode][this.data.nodes[key][index]].colour;
  };

  View.prototype.start = function () {
    var self = this;
    this.graph = buildGraph(this.data);
    this.canvas.hidden = false;
    this.canvas.style.height = HEIGHT;
    this.canvas.style.width = "100%";
    this.canvas.style.border = "1px solid #d9d9d9";
    this.renderer = new window.Sigma(this.graph, this.canvas, {
      defaultEdgeColor: EDGE,
      labelRenderedSizeThreshold: 5,
      labelDensity: 0.1,
      labelGridCellSize: 120,
      defaultDrawNodeLabel: function (context, data, settings) { self.pendingLabels.push([context, data, settings]); },
      zIndex: true,
      minCameraRatio: 0.03,
      maxCameraRatio: 4,
      nodeReducer: function (node, attributes) { return self.nodeLook(node, attributes); },
      edgeReducer: function (edge, attributes) { return self.edgeLook(edge, attributes); },
    });
    this.picture.hidden = true;
    this.renderer.on("afterRender", function () { self.drawLabels(); });
    this.drawLabels();  // the first frame was drawn while sigma was made, before it could be listened to
    this.renderer.on("clickNode", function (event) { self.select(Number(event.node)); });
    this.renderer.on("clickStage", function () { self.clear(); });
  };

  // Sigma picks at most one label a grid cell; those it picks are drawn here, the largest first, each
  // only when its box meets no label drawn before it, so labels never overprint one another.
  View.prototype.drawLabels = function () {
    var pending = this.pendingLabels, boxes = [];
    this.pendingLabels = [];
    pending.sort(function (a, b) {
      return (b[1].forceLabel ? 1 : 0) - (a[1].forceLabel ? 1 : 0) || b[1].size - a[1].size;
    });
    pending.forEach(function (item) {
      var context = item[0], node = item[1], settings = item[2];
      if (!node.label) return;
      var size = settings.labelSize;
      context.font = settings.labelWeight + " " + size + "px " + settings.labelFont;
      var left = node.x + node.size + 3;
      var box = [left, node.y - size * 0.8, left + context.measureText(node.label).width, node.y + size * 0.35];
      var overlaps = boxes.some(function (other) {
        return box[0] < other[2] && other[0] < box[2] && box[1] < other[3] && other[1] < box[3];
      });
      if (overlaps && !node.forceLabel) return;
      boxes.push(box);
      context.fillStyle = settings.labelColor.color || "#000";
      context.fillText(node.label, left, node.y + size / 3);
    });
    this.figure.sociableLabels = boxes;
  };

  // The chosen values of one kind of filter, as a lookup from choice index to true.
  View.prototype.chosen = function (kind) {
    var picked = {};
    this.figure.querySelectorAll("[data-network-filter=" + kind + "] input[type=checkbox]").forEach(function (box) {
      if (box.checked) picked[Number(box.value)] = true;
    });
    return picked;
  };

  View.prototype.range = function (name, fallback) {
    var input = this.figure.querySelector("[data-network-" + name + "]");
    return input ? Number(input.value) : fallback;
  };

  // A tie's interactions inside the periods from..to (inclusive), or all of them.
  View.prototype.weightIn = function (edge, from, to) {
    var edges = this.data.edges, total = 0;
    for (var k = this.offsets[edge]; k < this.offsets[edge + 1]; k += 1) {
      if (edges.period[k] >= from && edges.period[k] <= to) total += edges.periodWeight[k];
    }
    return total;
  };

  // Hide the accounts and ties the filters leave out, and say how many are shown.
  View.prototype.applyFilters = function () {
    var data = this.data, nodes = data.nodes, edges = data.edges;
    var sectors = this.chosen("sector"), roles = this.chosen("role"), picked = this.chosen("community");
    var communities = {};
    data.filters.community.forEach(function (choice, i) { if (picked[i]) communities[Number(choice.value)] = true; });
    var last = data.periods ? data.periods.starts.length - 1 : 0;
    var least = this.range("weight", 1), from = this.range("from", 0), to = this.range("to", last);
    if (from > to) { var swap = from; from = to; to = swap; }
    var timed = Boolean(data.periods) && (from > 0 || to < last);
    var needTie = timed || least > 1;
    var keep = [], tied = [], n = nodes.handle.length, i, j;
    for (i = 0; i < n; i += 1) {
      keep.push(Boolean(sectors[nodes.sector[i]] && roles[nodes.role[i]] && communities[nodes.community[i]]));
      tied.push(false);
    }
    var shownEdges = 0;
    for (j = 0; j < edges.source.length; j += 1) {
      var a = edges.source[j], b = edges.target[j];
      var weight = timed ? this.weightIn(j, from, to) : edges.weight[j];
      var shown = keep[a] && keep[b] && weight > 0 && weight >= least;
      this.hiddenEdge[j] = !shown;
      if (shown) { shownEdges += 1; tied[a] = true; tied[b] = true; }
    }
    var shownNodes = 0;
    for (i = 0; i < n; i += 1) {
      this.hiddenNode[i] = !keep[i] || (needTie && !tied[i]);
      if (!this.hiddenNode[i]) shownNodes += 1;
    }
    this.figure.setAttribute("data-shown", shownNodes + " " + shownEdges);
    this.count.textContent = "Showing " + number(shownNodes) + " of " + number(n) + " accounts and " +
      number(shownEdges) + " of " + number(edges.source.length) + " ties.";
    this.showRanges(from, to, least);
    if (this.selected !== null && this.hiddenNode[Number(this.selected)]) this.clear();
    else this.renderer.refresh();
  };

  View.prototype.showRanges = function (from, to, least) {
    var figure = this.figure, labels = this.data.periods ? this.data.periods.labels : [];
    function put(name, text) {
      var output = figure.querySelector("[data-network-output=" + name + "]");
      if (output) output.textContent = text;
    }
    put("weight", number(least));
    if (labels.length) { put("from", labels[from]); put("to", labels[to]); }
  };

  View.prototype.resetFilters = function () {
    var figure = this.figure;
    figure.querySelectorAll("[data-network-filter] input[type=checkbox]").forEach(function (box) { box.checked = true; });
    ["weight", "from"].forEach(function (name) {
      var input = figure.querySelector("[data-network-" + name + "]");
      if (input) input.value = input.min;
    });
    var to = figure.querySelector("[data-network-to]");
    if (to) to.value = to.max;
    this.applyFilters();
  };

  View.prototype.nodeLook = function (node, attributes) {
    var index = Number(node);
    if (this.hiddenNode[index]) return { x: attributes.x, y: attributes.y, size: attributes.size, hidden: true };
    var look = { x: attributes.x, y: attributes.y, size: attributes.size, label: attributes.label,
                 zIndex: attributes.zIndex, color: this.colour(index) };
    if (this.selected === null) return look;
    if (node === this.selected) {
      look.highlighted = true;
      look.zIndex = this.data.nodes.handle.length + 1;
      look.forceLabel = true;
    } else if (!this.neighbours[node]) {
      look.color = FADED;
      look.size = attributes.size * 0.6;
      look.label = "";
      look.zIndex = 0;
    }
    return look;
  };

  View.prototype.edgeLook = function (edge, attributes) {
    if (this.hiddenEdge[Number(edge)]) return { size: attributes.size, color: EDGE, hidden: true };
    if (this.selected === null) return attributes;
    var ends = this.graph.extremities(edge);
    var near = ends[0] === this.selected || ends[1] === this.selected;
    return { size: attributes.size, color: near ? EDGE_NEAR : EDGE, hidden: !near };
  };

  View.prototype.select = function (index) {
    var node = String(index), neighbours = {};
    this.graph.forEachNeighbor(node, function (other) { neighbours[other] = true; });
    this.selected = node;
    this.neighbours = neighbours;
    this.figure.setAttribute("data-selected", this.data.nodes.handle[index]);
    this.status.textContent = describe(this.data, index);
    this.renderer.refresh();
    var place = this.renderer.getNodeDisplayData(node);
    if (place) this.renderer.getCamera().animate({ x: place.x, y: place.y, ratio: 0.5 }, { duration: 450 });
  };

  View.prototype.clear = function () {
    this.selected = null;
    this.neighbours = null;
    this.figure.removeAttribute("data-selected");
    this.status.textContent = "";
    this.renderer.refresh();
    this.renderer.getCamera().animate({ x: 0.5, y: 0.5, ratio: 1, angle: 0 }, { duration: 300 });
  };

  View.prototype.setMode = function (mode) {
    this.mode = mode === "community" ? "community" : "sector";
    var current = this.mode;
    this.figure.querySelectorAll("[data-network-legend]").forEach(function (list) {
      list.hidden = list.getAttribute("data-network-legend") !== current;
    });
    this.renderer.refresh();
  };

  View.prototype.wire = function () {
    var self = this;
    var controls = this.figure.querySelector("[data-network-controls]");
    var form = this.figure.querySelector("[data-network-search]");
    var input = form.querySelector("input[type=search]");
    fillHandles(form.querySelector("datalist"), this.data);
    controls.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var index = findNode(self.data, input.value);
      if (index < 0) {
        self.clear();
        self.status.textContent = "No account in the map matches “" + input.value.trim() + "”.";
      } else {
        self.select(index);
      }
    });
    form.addEventListener("reset", function () { self.clear(); });
    controls.querySelectorAll("[data-network-filter] input, input[type=range]").forEach(function (input) {
      input.addEventListener(input.type === "range" ? "input" : "change", function () { self.applyFilters(); });
    });
    var reset = controls.querySelector("[data-network-reset]");
    if (reset) reset.addEventListener("click", function () { self.resetFilters(); });
    this.applyFilters();
    controls.querySelectorAll("input[type=radio]").forEach(function (radio) {
      radio.addEventListener("change", function () { if (radio.checked) self.setMode(radio.value); });
    });
    // Canvas does not print well: the SVG of the same layout goes to paper instead.
    window.addEventListener("beforeprint", function () { self.picture.hidden = false; self.canvas.hidden = true; });
    window.addEventListener("afterprint", function () { self.picture.hidden = true; self.canvas.hidden = false; });
  };

  function show(figure) {
    var data = readData(figure);
    var status = figure.querySelector("[data-network-status]");
    if (!data || !data.nodes || !data.nodes.handle.length) return;
    if (typeof window.Sigma !== "function" || !window.graphology) return;
    var view = new View(figure, data);
    try {
      view.start();
    } catch (error) {
      // Most often no WebGL: keep the static picture and say why.
      if (view.renderer) view.renderer.kill();
      view.canvas.hidden = true;
      view.picture.hidden = false;
      figure.querySelector("[data-network-controls]").hidden = false;
      figure.querySelectorAll("[data-network-controls] fieldset, [data-network-search], [data-network-filters], " +
                              "[data-network-count]").forEach(function (part) {
        part.hidden = true;
      });
      status.textContent = "The interactive map could not start in this browser (" + error.message +
        "); the picture below shows the same layout.";
      return;
    }
    view.wire();
  }

  document.querySelectorAll("[data-network]").forEach(show);
})();
