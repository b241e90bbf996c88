// autograd-core playground: the page's script.
//
// The server (autograd_core/playground/server.py) owns the data, the network and the training;
// this script draws what it answers and sends what the user chooses. Every request goes
// through one queue, so answers arrive in the order they were asked for: a training step
// never lands on top of the network that a change of settings has just replaced.
"use strict";

const COLOURS = {
  negative: [232, 89, 12],
  zero: [248, 249, 250],
  positive: [28, 126, 214],
};
const PALETTE = makePalette(); // byte b of a heat map stands for the value b / 127.5 - 1

// The network picture: neurons are squares of NODE pixels, PITCH apart in a column.
const NODE = 36;
const PITCH = 50;
const COLUMN = 118;
const LEFT = 96; // room for the features' check boxes and names
const TOP = 44; // room for the hidden layers' + and - buttons

const page = {
  id: Math.random().toString(36).slice(2) + Date.now().toString(36),
  state: null, // the server's last answers, merged
  structure: "", // features and layer sizes the network picture was built for
  playing: false,
  queue: Promise.resolve(),
  answerTimes: [], // when the last training steps came back (for the rate shown)
  selection: null, // {neuron: [layer, i]} or {weight: [layer, to, from]}
  point: 0,
  backwardIndex: 0,
  backwardCount: 0,
  neuronCanvases: [], // [layer][i]; layer 0 holds one canvas per feature, chosen or not
  links: [], // [layer][to][from]: the visible SVG path of a weight
};

function $(id) {
  return document.getElementById(id);
}

// ---- talking to the server ---------------------------------------------------------------

async function api(name, body) {
  const options = body === undefined ? { method: "GET" } : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  let response;
  try {
    response = await fetch("/api/" + name, options);
  } catch (error) {
    throw new Error("The playground's server does not answer: was it stopped? " +
                    "Start it again with `autograd-core playground`.");
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(answer.error || `the server answered ${response.status}`);
  }
  return answer;
}

// Run `action` after every action queued before it; an error shows on the page.
// Resolves to true when the action succeeded.
function enqueue(action) {
  const run = page.queue.then(async () => {
    try {
      await action();
      return true;
    } catch (error) {
      showMessage(error.message);
      return false;
    }
  });
  page.queue = run;
  return run;
}

function showMessage(text) {
  const box = $("message");
  box.textContent = text || "";
  box.hidden = !text;
}

// ---- applying an answer --------------------------------------------------------------------

function apply(answer) {
  page.state = Object.assign(page.state || {}, answer);
  const s = page.state;
  const structure = JSON.stringify([s.settings.features, s.layers]);
  if (structure !== page.structure) {
    page.structure = structure;
    buildNetwork();
  }
  renderCounters();
  renderNetwork();
  renderOutput();
}

function applyFull(answer) {
  if (answer.options && !page.state) {
    buildChoices(answer.options);
  }
  apply(answer);
  renderControls();
  const trainCount = page.state.train_points.length;
  $("point").max = trainCount - 1;
  if (page.point >= trainCount) {
    setPoint(trainCount - 1);
  }
}

// ---- controls --------------------------------------------------------------------------------

function buildChoices(options) {
  const datasets = $("datasets");
  for (const d of options.datasets) {
    const button = document.createElement("button");
    button.textContent = d.title;
    button.dataset.name = d.name;
    button.title = `${d.title}: ${d.task}`;
    button.addEventListener("click", () => changeSettings({ dataset: d.name }));
    datasets.appendChild(button);
  }
  fillSelect($("activation"), options.activations);
  fillSelect($("regularization"), options.regularizations);
}

function fillSelect(select, names) {
  for (const name of names) {
    const option = document.createElement("option");
    option.value = option.textContent = name;
    select.appendChild(option);
  }
}

// Show the server's settings in the form (also after a refused change: the form then shows
// what is really in use).
function renderControls() {
  const s = page.state.settings;
  for (const id of ["learning_rate", "regularization_rate", "train_fraction", "noise",
                    "batch_size", "activation", "regularization"]) {
    $(id).value = s[id];
    const out = $(id + "-out");
    if (out) out.textContent = id === "train_fraction" ? `${Math.round(s[id] * 100)}%` : s[id];
  }
  for (const button of $("datasets").children) {
    button.classList.toggle("selected", button.dataset.name === s.dataset);
  }
  const n = s.hidden.length;
  $("layer-count").textContent = `${n} hidden layer${n === 1 ? "" : "s"}`;
  $("accuracy-row").hidden = page.state.task !== "classification";
}

function changeSettings(patch) {
  return enqueue(async () => {
    let answer;
    try {
      answer = await api("settings", { settings: patch });
    } catch (error) {
      renderControls();
      throw error;
    }
    showMessage("");
    const restarted = answer.restarted;
    applyFull(answer);
    if (restarted) {
      clearInspection();
    } else {
      await refreshInspection();
    }
  });
}

function changeLayers(change) {
  const hidden = page.state.settings.hidden.slice();
  change(hidden);
  return changeSettings({ hidden });
}

// ---- training --------------------------------------------------------------------------------

function step() {
  return enqueue(async () => {
    apply(await api("step", { epochs: 1 }));
    noteAnswer();
    await refreshInspection();
  });
}

async function togglePlay() {
  if (page.playing) {
    page.playing = false;
    renderPlayButton();
    enqueue(refreshInspection);
    return;
  }
  page.playing = true;
  renderPlayButton();
  while (page.playing) {
    const ok = await enqueue(async () => {
      apply(await api("step", { epochs: 1 }));
      noteAnswer();
    });
    // No wait for the next frame: the browser paints while the next request is out.
    if (!ok) page.playing = false;
  }
  renderPlayButton();
}

function renderPlayButton() {
  $("play").innerHTML = page.playing ? "&#x275A;&#x275A; pause" : "&#x25B6; play";
}

function noteAnswer() {
  const now = performance.now();
  page.answerTimes.push(now);
  while (page.answerTimes.length && now - page.answerTimes[0] > 1000) page.answerTimes.shift();
  $("rate").textContent = page.playing ? `${page.answerTimes.length} updates/s` : "";
}

function reset() {
  return enqueue(async () => {
    applyFull(await api("reset", {}));
    await refreshInspection();
  });
}

// ---- numbers ---------------------------------------------------------------------------------

function renderCounters() {
  const s = page.state;
  $("epoch").textContent = String(s.epoch).padStart(6, "0");
  $("test-loss").textContent = s.test_loss.toFixed(3);
  $("train-loss").textContent = s.train_loss.toFixed(3);
  $("test-accuracy").textContent =
    s.test_accuracy === null ? "–" : `${(s.test_accuracy * 100).toFixed(1)}%`;
  drawLossCurve($("loss-curve"), s.history);
}

function drawLossCurve(canvas, history) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (history.length < 2) return;
  const top = Math.max(...history.map((h) => Math.max(h[1], h[2])), 1e-9);
  const last = history[history.length - 1][0] || 1;
  for (const [column, colour] of [[1, "#adb5bd"], [2, "#212529"]]) {
    ctx.beginPath();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    history.forEach((h, k) => {
      const x = (h[0] / last) * (canvas.width - 2) + 1;
      const y = canvas.height - 2 - (h[column] / top) * (canvas.height - 4);
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
}

// ---- heat maps -------------------------------------------------------------------------------

function makePalette() {
  const palette = [];
  for (let b = 0; b < 256; b++) {
    const v = b / 127.5 - 1;
    const end = v < 0 ? COLOURS.negative : COLOURS.positive;
    const t = Math.abs(v);
    palette.push(COLOURS.zero.map((c, k) => Math.round(c + (end[k] - c) * t)));
  }
  return palette;
}

function decode(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
  return bytes;
}

function paintHeatMap(canvas, base64) {
  const bytes = decode(base64);
  const size = Math.round(Math.sqrt(bytes.length));
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(size, size);
  for (let k = 0; k < bytes.length; k++) {
    const rgb = PALETTE[bytes[k]];
    image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * k);
  }
  ctx.putImageData(image, 0, 0);
}

// ---- the network picture ---------------------------------------------------------------------

function neuronName(layer, i) {
  const s = page.state;
  if (layer === 0) return s.settings.features[i];
  if (layer === s.layers.length - 1) return "yhat";
  return `h${layer}[${i + 1}]`;
}

function position(layer, row) {
  return { x: LEFT + layer * COLUMN, y: TOP + row * PITCH };
}

// The row of neuron i of a layer; the features keep the rows of the full list of features.
function rowOf(layer, i) {
  if (layer > 0) return i;
  return page.state.options.features.indexOf(page.state.settings.features[i]);
}

function buildNetwork() {
  const s = page.state;
  const box = $("network");
  box.textContent = "";
  const allFeatures = s.options.features;
  const rows = Math.max(allFeatures.length, ...s.layers.slice(1));
  const width = LEFT + (s.layers.length - 1) * COLUMN + NODE + 40;
  const height = TOP + rows * PITCH;
  box.style.height = `${height}px`;
  box.style.minWidth = `${width}px`;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  box.appendChild(svg);

  page.links = [];
  for (let layer = 1; layer < s.layers.length; layer++) {
    page.links[layer] = [];
    for (let to = 0; to < s.layers[layer]; to++) {
      page.links[layer][to] = [];
      for (let from = 0; from < s.layers[layer - 1]; from++) {
        page.links[layer][to][from] = addLink(svg, layer, to, from);
      }
    }
  }

  page.neuronCanvases = [[]];
  allFeatures.forEach((name, row) => addFeature(box, name, row));
  for (let layer = 1; layer < s.layers.length; layer++) {
    page.neuronCanvases[layer] = [];
    for (let i = 0; i < s.layers[layer]; i++) {
      page.neuronCanvases[layer][i] = addNeuron(box, layer, i, position(layer, i));
    }
    if (layer < s.layers.length - 1) addLayerButtons(box, layer);
  }
  const output = position(s.layers.length - 1, 0);
  addCaption(box, "output", output.x, output.y - 18);
  markSelection();
}

function addLink(svg, layer, to, from) {
  const a = position(layer - 1, rowOf(layer - 1, from));
  const b = position(layer, rowOf(layer, to));
  const x1 = a.x + NODE, y1 = a.y + NODE / 2, x2 = b.x, y2 = b.y + NODE / 2;
  const middle = (x1 + x2) / 2;
  const d = `M${x1},${y1} C${middle},${y1} ${middle},${y2} ${x2},${y2}`;
  const hit = document.createElementNS(svg.namespaceURI, "path");
  hit.setAttribute("d", d);
  hit.setAttribute("class", "link-hit");
  hit.dataset.weight = JSON.stringify([layer, to, from]);
  const title = document.createElementNS(svg.namespaceURI, "title");
  hit.appendChild(title);
  hit.addEventListener("click", () => inspect({ weight: [layer, to, from] }));
  const line = document.createElementNS(svg.namespaceURI, "path");
  line.setAttribute("d", d);
  line.setAttribute("class", "link");
  svg.appendChild(hit);
  svg.appendChild(line);
  return { line, title };
}

function addNeuron(box, layer, i, at) {
  const div = document.createElement("div");
  div.className = "neuron";
  div.dataset.layer = layer;
  div.dataset.index = i;
  Object.assign(div.style, { left: `${at.x}px`, top: `${at.y}px`, width: `${NODE}px`,
                             height: `${NODE}px` });
  div.title = `${neuronName(layer, i)}: click to see its graph and chain rule`;
  const canvas = document.createElement("canvas");
  div.appendChild(canvas);
  div.addEventListener("click", () => inspect({ neuron: [layer, i] }));
  box.appendChild(div);
  return canvas;
}

function addFeature(box, name, row) {
  const s = page.state;
  const chosen = s.settings.features.indexOf(name);
  const at = position(0, row);
  const toggle = document.createElement("input");
  toggle.type = "checkbox";
  toggle.className = "feature-toggle";
  toggle.checked = chosen >= 0;
  toggle.title = `use ${name} as an input`;
  toggle.dataset.feature = name;
  Object.assign(toggle.style, { left: `${at.x - 88}px`, top: `${at.y + NODE / 2 - 8}px` });
  toggle.addEventListener("change", () => toggleFeature(name, toggle.checked));
  box.appendChild(toggle);
  addCaption(box, name, at.x - 66, at.y + NODE / 2 - 8, "neuron-label");
  if (chosen >= 0) {
    page.neuronCanvases[0][chosen] = addNeuron(box, 0, chosen, at);
  } else {
    const div = document.createElement("div");
    div.className = "neuron off";
    Object.assign(div.style, { left: `${at.x}px`, top: `${at.y}px`, width: `${NODE}px`,
                               height: `${NODE}px` });
    div.title = `${name}: not an input (tick its box to use it)`;
    div.appendChild(document.createElement("canvas"));
    div.addEventListener("click", () => toggleFeature(name, true));
    box.appendChild(div);
  }
}

function toggleFeature(name, on) {
  const all = page.state.options.features;
  const current = new Set(page.state.settings.features);
  if (on) current.add(name);
  else current.delete(name);
  return changeSettings({ features: all.filter((f) => current.has(f)) });
}

function addLayerButtons(box, layer) {
  const at = position(layer, 0);
  const buttons = document.createElement("div");
  buttons.className = "layer-buttons";
  Object.assign(buttons.style, { left: `${at.x - 6}px`, top: `${at.y - 40}px` });
  for (const [text, delta, tip] of [["+", 1, "add a neuron"], ["\u2212", -1, "remove a neuron"]]) {
    const button = document.createElement("button");
    button.textContent = text;
    button.title = `${tip} to layer ${layer}`;
    button.addEventListener("click", () => changeLayers((h) => { h[layer - 1] += delta; }));
    buttons.appendChild(button);
  }
  box.appendChild(buttons);
  const n = page.state.layers[layer];
  addCaption(box, `${n} neuron${n === 1 ? "" : "s"}`, at.x - 4, at.y - 18);
}

function addCaption(box, text, x, y, className = "layer-caption") {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text;
  Object.assign(span.style, { left: `${x}px`, top: `${y}px` });
  box.appendChild(span);
}

function renderNetwork() {
  const s = page.state;
  if (s.feature_maps) {
    s.settings.features.forEach((name, i) => {
      paintHeatMap(page.neuronCanvases[0][i], s.feature_maps[i]);
    });
    const canvases = $("network").querySelectorAll(".neuron.off canvas");
    canvases.forEach((canvas) => {
      canvas.width = canvas.height = 1;
    });
  }
  s.maps.forEach((layerMaps, k) => {
    layerMaps.forEach((map, i) => paintHeatMap(page.neuronCanvases[k + 1][i], map));
  });
  s.weights.forEach((matrix, k) => {
    matrix.forEach((row, to) => {
      row.forEach((w, from) => {
        const link = page.links[k + 1][to][from];
        const colour = w < 0 ? COLOURS.negative : COLOURS.positive;
        link.line.setAttribute("stroke", `rgb(${colour.join(",")})`);
        link.line.setAttribute("stroke-width", Math.min(1 + 2.5 * Math.abs(w), 9).toFixed(2));
        link.line.setAttribute("stroke-opacity", "0.85");
        link.title.textContent =
          `W${k + 1}[${to + 1},${from + 1}] = ${w.toFixed(3)} (click for dL/dW)`;
      });
    });
  });
}

// ---- the output picture ----------------------------------------------------------------------

function renderOutput() {
  const s = page.state;
  const canvas = $("boundary");
  const ctx = canvas.getContext("2d");
  const heat = document.createElement("canvas");
  paintHeatMap(heat, s.maps[s.maps.length - 1][0]);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(heat, 0, 0, canvas.width, canvas.height);
  const points = $("show-test").checked ? [[s.test_points, "#000"], [s.train_points, "#fff"]]
    : [[s.train_points, "#fff"]];
  for (const [list, edge] of points) {
    for (const [x1, x2, y] of list) drawPoint(ctx, x1, x2, y, edge);
  }
  const chosen = s.train_points[page.point];
  if (chosen) {
    const p = toPixels(chosen[0], chosen[1]);
    ctx.beginPath();
    ctx.arc(p.x, p.y, 7, 0, 2 * Math.PI);
    ctx.strokeStyle = "#e03131";
    ctx.lineWidth = 2;
    ctx.stroke();
  }
}

function toPixels(x1, x2) {
  const canvas = $("boundary");
  const e = page.state.extent;
  return { x: ((x1 + e) / (2 * e)) * canvas.width, y: ((e - x2) / (2 * e)) * canvas.height };
}

function drawPoint(ctx, x1, x2, y, edge) {
  const p = toPixels(x1, x2);
  const v = Math.max(-1, Math.min(1, y));
  const rgb = page.state.task === "classification"
    ? (v < 0 ? COLOURS.negative : COLOURS.positive)
    : PALETTE[Math.round((v + 1) * 127.5)];
  ctx.beginPath();
  ctx.arc(p.x, p.y, 3.2, 0, 2 * Math.PI);
  ctx.fillStyle = `rgb(${rgb.join(",")})`;
  ctx.fill();
  ctx.strokeStyle = edge;
  ctx.lineWidth = 1;
  ctx.stroke();
}

function pickPoint(event) {
  const canvas = $("boundary");
  const rect = canvas.getBoundingClientRect();
  const x = ((event.clientX - rect.left) / rect.width) * canvas.width;
  const y = ((event.clientY - rect.top) / rect.height) * canvas.height;
  let best = -1, bestDistance = 12;
  page.state.train_points.forEach(([x1, x2], k) => {
    const p = toPixels(x1, x2);
    const distance = Math.hypot(p.x - x, p.y - y);
    if (distance < bestDistance) {
      best = k;
      bestDistance = distance;
    }
  });
  if (best >= 0) {
    setPoint(best);
    enqueue(refreshInspection);
  }
}

function setPoint(k) {
  page.point = k;
  page.backwardIndex = 0;
  $("point").value = k;
  if (page.state) renderOutput();
}

// ---- inside one training point ---------------------------------------------------------------

function inspect(selection) {
  page.selection = selection;
  page.backwardIndex = 0;
  markSelection();
  return enqueue(refreshInspection);
}

function markSelection() {
  document.querySelectorAll(".neuron.selected, .link.selected").forEach((el) => {
    el.classList.remove("selected");
  });
  const chosen = page.selection;
  if (!chosen) return;
  if (chosen.neuron) {
    const [layer, i] = chosen.neuron;
    const div = document.querySelector(`.neuron[data-layer="${layer}"][data-index="${i}"]`);
    if (div) div.classList.add("selected");
  } else {
    const [layer, to, from] = chosen.weight;
    const link = page.links[layer] && page.links[layer][to] && page.links[layer][to][from];
    if (link) link.line.classList.add("selected");
  }
}

async function refreshInspection() {
  if (!page.selection) return;
  const answer = await api("inspect", { point: page.point, ...page.selection });
  const p = answer.point;
  $("inspect-title").textContent = `${answer.title} (weights of epoch ${answer.epoch})`;
  $("point-info").textContent =
    `x = (${p.x.map((v) => v.toFixed(2)).join(", ")}), y = ${p.y.toFixed(2)}, ` +
    `yhat = ${p.yhat.toFixed(4)}, L = ${p.loss.toFixed(5)}`;
  showGraph($("graph"), answer.graph);
  scrollToHighlight($("graph"));
  $("explanation").textContent = answer.explanation;
  page.backwardCount = answer.steps;
  page.backwardIndex = Math.min(page.backwardIndex, answer.steps - 1);
  await showBackwardStep(page.backwardIndex);
}

function clearInspection() {
  page.selection = null;
  markSelection();
  $("inspect-title").textContent = "nothing chosen yet";
  for (const id of ["graph", "explanation", "bw-text", "bw-graph", "point-info"]) {
    $(id).textContent = "";
  }
  $("bw-counter").textContent = "step – of –";
}

// A picture from the server, or why there is none (and the DOT text, when only the renderer
// is missing: it can be pasted into any Graphviz viewer).
function showGraph(box, graph) {
  box.textContent = "";
  if (graph.svg) {
    box.innerHTML = graph.svg;
    return;
  }
  const why = document.createElement("p");
  why.className = "graph-error";
  why.textContent = graph.error;
  box.appendChild(why);
  if (graph.dot) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "the graph as Graphviz DOT text";
    const pre = document.createElement("pre");
    pre.className = "dot";
    pre.textContent = graph.dot;
    details.append(summary, pre);
    box.appendChild(details);
  }
}

async function showBackwardStep(index) {
  const answer = await api("backward", { point: page.point, index });
  page.backwardIndex = answer.index;
  page.backwardCount = answer.count;
  $("bw-counter").textContent = `step ${answer.index + 1} of ${answer.count}`;
  const lines = [
    `node: ${answer.node}`,
    `dL/d(node) = ${formatNumber(answer.gradient)}` +
      (answer.index === 0 ? "  (the loss itself: dL/dL = 1)" : "  (complete: every use of it is done)"),
  ];
  if (answer.sends.length) {
    lines.push("it sends to each input dL/d(node) * d(node)/d(input):");
    for (const send of answer.sends) {
      lines.push(`  to ${send.to}:  ${formatNumber(answer.gradient)} * ` +
                 `${formatNumber(send.local)} = ${formatNumber(send.value)}`);
    }
  } else {
    lines.push("a leaf: nothing to send on; its gradient is final");
  }
  $("bw-text").textContent = lines.join("\n");
  showGraph($("bw-graph"), answer.graph);
  scrollToHighlight($("bw-graph"));
}

// Bring the node of the current step (drawn with a red border) into the middle of the view.
function scrollToHighlight(box) {
  const marked = box.querySelector('svg [stroke="#e03131"]');
  if (!marked) return;
  const boxRect = box.getBoundingClientRect();
  const rect = marked.getBoundingClientRect();
  box.scrollLeft += rect.left + rect.width / 2 - (boxRect.left + boxRect.width / 2);
}

function moveBackward(where) {
  if (!page.selection || !page.backwardCount) return;
  const last = page.backwardCount - 1;
  const index = { first: 0, prev: page.backwardIndex - 1, next: page.backwardIndex + 1,
                  last }[where];
  enqueue(() => showBackwardStep(Math.max(0, Math.min(last, index))));
}

function formatNumber(x) {
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-4 && a < 1e6 ? String(Number(x.toPrecision(6))) : x.toExponential(4);
}

// ---- the page's life: the server stops when the last page is closed --------------------------

function heartbeat() {
  api("heartbeat", { page: page.id }).catch((error) => showMessage(error.message));
}

function goodbye() {
  navigator.sendBeacon("/api/bye", JSON.stringify({ page: page.id }));
}

// ---- wiring ----------------------------------------------------------------------------------

function wire() {
  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", step);
  $("reset").addEventListener("click", reset);
  $("regenerate").addEventListener("click",
    () => changeSettings({ seed: (page.state.settings.seed + 1) % 4294967296 }));
  $("add-layer").addEventListener("click", () => changeLayers((h) => h.push(2)));
  $("remove-layer").addEventListener("click", () => changeLayers((h) => h.pop()));
  for (const id of ["learning_rate", "regularization_rate", "activation", "regularization"]) {
    $(id).addEventListener("change", () => changeSettings({ [id]: $(id).value }));
  }
  for (const id of ["train_fraction", "noise", "batch_size"]) {
    $(id).addEventListener("input", () => { $(id + "-out").textContent = $(id).value; });
    $(id).addEventListener("change", () => changeSettings({ [id]: $(id).value }));
  }
  $("show-test").addEventListener("change", renderOutput);
  $("boundary").addEventListener("click", pickPoint);
  $("point").addEventListener("change", () => {
    const k = Number($("point").value);
    const count = page.state.train_points.length;
    if (!Number.isInteger(k) || k < 0 || k >= count) {
      showMessage(`training point must be a whole number from 0 to ${count - 1}, ` +
                  `got ${$("point").value || "nothing"}`);
      $("point").value = page.point;
      return;
    }
    showMessage("");
    setPoint(k);
    enqueue(refreshInspection);
  });
  for (const where of ["first", "prev", "next", "last"]) {
    $("bw-" + where).addEventListener("click", () => moveBackward(where));
  }
  window.addEventListener("pagehide", goodbye);
  window.addEventListener("pageshow", (event) => { if (event.persisted) heartbeat(); });
}

wire();
heartbeat();
setInterval(heartbeat, 10000);
enqueue(async () => applyFull(await api("state")));
