// The front end of mnist17.drawing_pad.DigitPad (an anywidget ES module: no build step, no imports).
// The pad sends each finished stroke to the kernel as [x, y] points in pad pixels; the kernel
// draws, prepares and reads the digit and sends back the 28x28 input and the ten probabilities.

const PAD = 280; // pad pixels, as mnist17.digits.CANVAS_SIZE
const PEN = 22; // pen width, as mnist17.digits.STROKE_WIDTH
const BAR = "#1f77b4"; // matplotlib's first colour, as in the bar chart nn1-5
const SVG = "http://www.w3.org/2000/svg";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgElement(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawStroke(ctx, points) {
  ctx.beginPath();
  ctx.moveTo(points[0][0], points[0][1]);
  for (const [x, y] of points.slice(1)) ctx.lineTo(x, y);
  if (points.length === 1) ctx.lineTo(points[0][0] + 0.01, points[0][1]); // a dot
  ctx.stroke();
}

function paintPad(ctx, strokes) {
  ctx.fillStyle = "black";
  ctx.fillRect(0, 0, PAD, PAD);
  for (const points of strokes) drawStroke(ctx, points);
}

function paintInput(ctx, pixels) {
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 28 * 28; i++) {
    const v = Math.round(255 * (pixels.length ? pixels[i] : 0));
    image.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

// The bar chart of nn1-5: digits 0-9 on x, predicted probability 0..1 on y.
function paintBars(svg, probabilities, digit) {
  svg.replaceChildren();
  const [w, h, left, bottom, top] = [300, 190, 34, 24, 8];
  const plotH = h - bottom - top;
  const step = (w - left - 6) / 10;
  for (const p of [0, 0.5, 1]) {
    const y = top + plotH * (1 - p);
    svg.append(svgElement("line", { x1: left - 4, x2: w - 4, y1: y, y2: y, class: "grid" }));
    svg.append(svgElement("text", { x: left - 7, y: y + 4, "text-anchor": "end" }, p.toFixed(1)));
  }
  for (let d = 0; d < 10; d++) {
    const p = probabilities.length ? probabilities[d] : 0;
    const x = left + d * step;
    svg.append(
      svgElement("rect", {
        x: x + step * 0.1,
        y: top + plotH * (1 - p),
        width: step * 0.8,
        height: plotH * p,
        fill: BAR,
        "fill-opacity": d === digit ? 1 : 0.55,
        "data-digit": d,
      }),
    );
    svg.append(
      svgElement("text", { x: x + step / 2, y: h - 8, "text-anchor": "middle" }, String(d)),
    );
  }
}

function render({ model, el }) {
  const root = element("div", "mnist17-pad");
  const padColumn = element("div", "column");
  const pad = element("canvas", "pad");
  pad.width = pad.height = PAD;
  pad.tabIndex = 0; // focusable, so Delete, Backspace or Escape can clear it from the keyboard
  pad.setAttribute("role", "img");
  pad.setAttribute("aria-label", "drawing pad: draw one digit; Delete, Backspace or Escape clears it");
  const clear = element("button", "clear", "Clear");
  clear.type = "button";
  padColumn.append(element("div", "caption", "draw a digit (Delete clears)"), pad, clear);

  const inputColumn = element("div", "column");
  const input = element("canvas", "input");
  input.width = input.height = 28;
  inputColumn.append(element("div", "caption", "what the network receives (28×28)"), input);

  const resultColumn = element("div", "column result");
  const digit = element("div", "digit");
  const probability = element("div", "probability");
  const message = element("div", "message");
  const bars = svgElement("svg", { class: "bars", viewBox: "0 0 300 190", width: 300, height: 190 });
  bars.setAttribute("aria-hidden", "true"); // the status below says what the bars show
  // Read out to screen readers whenever the reading changes (the big digit alone is not).
  const status = element("div", "status");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  resultColumn.append(element("div", "caption", "what it reads"), digit, probability, message, bars, status);
  root.append(padColumn, inputColumn, resultColumn);
  el.append(root);

  const ctx = pad.getContext("2d");
  ctx.strokeStyle = "white";
  ctx.lineWidth = PEN;
  ctx.lineCap = ctx.lineJoin = "round";
  const inputCtx = input.getContext("2d");

  function showResult() {
    const probabilities = model.get("probabilities");
    const d = model.get("digit");
    digit.textContent = d >= 0 ? String(d) : "–";
    probability.textContent = d >= 0 ? `probability ${(100 * probabilities[d]).toFixed(1)}%` : "";
    message.textContent = model.get("message");
    status.textContent =
      d >= 0
        ? `The network reads ${d}, with probability ${(100 * probabilities[d]).toFixed(1)}%.`
        : model.get("message");
    paintInput(inputCtx, model.get("pixels"));
    paintBars(bars, probabilities, d);
    root.dataset.digit = String(d);
    root.dataset.strokesRead = String(model.get("strokes_read"));
  }

  let current = null; // the stroke being drawn: [[x, y], ...]
  function point(event) {
    const rect = pad.getBoundingClientRect();
    const x = ((event.clientX - rect.left) * PAD) / rect.width;
    const y = ((event.clientY - rect.top) * PAD) / rect.height;
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  }
  pad.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    current = [point(event)];
    drawStroke(ctx, current);
  });
  pad.addEventListener("pointermove", (event) => {
    if (!current) return;
    const next = point(event);
    const last = current[current.length - 1];
    if (next[0] === last[0] && next[1] === last[1]) return;
    current.push(next);
    drawStroke(ctx, current.slice(-2));
  });
  function finishStroke() {
    if (!current) return;
    const stroke = current;
    current = null;
    model.set("strokes", [...model.get("strokes"), stroke]);
    model.save_changes();
  }
  pad.addEventListener("pointerup", finishStroke);
  pad.addEventListener("pointercancel", finishStroke);
  function clearPad() {
    current = null;
    model.set("strokes", []);
    model.save_changes();
    paintPad(ctx, []);
  }
  clear.addEventListener("click", clearPad);
  pad.addEventListener("keydown", (event) => {
    if (["Delete", "Backspace", "Escape"].includes(event.key)) {
      event.preventDefault();
      clearPad();
    }
  });

  const repaint = () => paintPad(ctx, model.get("strokes"));
  model.on("change:strokes", repaint);
  model.on("change:probabilities change:pixels change:digit change:message change:strokes_read", showResult);
  repaint();
  showResult();
  return () => {
    model.off("change:strokes", repaint);
    model.off(null, showResult);
  };
}

export default { render };
