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
      graph.mergeEdge(String(edges.source[j]), String(edges.target[j]), { size: edges.size[j], color: EDGE });
    }
    return graph;
  }

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
    return "@" + nodes.handle[index] + name + ": " + nodes.sector[index] + ", community " + nodes.community[index] +
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
      labelRenderedSizeThreshold: 7,
      labelDensity: 0.08,
      zIndex: true,
      minCameraRatio: 0.03,
      maxCameraRatio: 4,
      nodeReducer: function (node, attributes) { return self.nodeLook(node, attributes); },
      edgeReducer: function (edge, attributes) { return self.edgeLook(edge, attributes); },
    });
    this.picture.hidden = true;
    this.renderer.on("clickNode", function (event) { self.select(Number(event.node)); });
    this.renderer.on("clickStage", function () { self.clear(); });
  };

  View.prototype.nodeLook = function (node, attributes) {
    var index = Number(node);
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
      figure.querySelectorAll("[data-network-controls] fieldset, [data-network-search]").forEach(function (part) {
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
