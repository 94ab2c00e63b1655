// The live view's four charts, drawn with uPlot (canvas). A chart whose categories or series
// change (a new event type, a new refusal status) is built again; otherwise only its data is
// replaced, which is what uPlot is fast at.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04',
  '#64748b'];
const HEIGHT = 200;
// Whole numbers only on the count axes: a fraction of an event means nothing.
const COUNT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000,
  100000, 200000, 500000, 1000000];

function widthOf(el) {
  return Math.max(240, Math.floor(el.clientWidth || 400));
}

function clockLabel(sec) {
  return new Date(sec * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit',
    second: '2-digit', hour12: false });
}

function sameList(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// Each bar's value printed above it, so the picture can be read without a cursor.
function drawBarValues(u) {
  const { ctx } = u;
  const ys = u.data[1];
  ctx.save();
  ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
  ctx.fillStyle = '#1d1d1f';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ys.forEach((v, i) => {
    if (v == null) return;
    ctx.fillText(String(v), u.valToPos(i, 'x', true), u.valToPos(v, 'y', true) - 3 * devicePixelRatio);
  });
  ctx.restore();
}

/**
 * A bar chart over named categories in `el`: update(labels, values). With no category at all it
 * draws one empty "none" bar, so the chart is there from the first poll on.
 */
export function barChart(el, color) {
  let u = null;
  let labels = [];

  function build(nextLabels, values) {
    if (u) u.destroy();
    labels = nextLabels;
    const xs = labels.map((_, i) => i);
    const opts = {
      width: widthOf(el),
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: false, range: () => [-0.5, labels.length - 0.5] },
        // Headroom above the tallest bar for its value label.
        y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil((max || 0) * 1.2))] },
      },
      axes: [
        { splits: () => xs, values: (_u, splits) => splits.map((i) => labels[i] ?? ''),
          grid: { show: false } },
        { incrs: COUNT_INCRS, size: 44 },
      ],
      series: [
        {},
        { label: 'count', fill: color + 'cc', stroke: color, width: 1,
          paths: uPlot.paths.bars({ size: [0.6, 90] }), points: { show: false } },
      ],
      hooks: { draw: [drawBarValues] },
    };
    u = new uPlot(opts, [xs, values], el);
  }

  return {
    update(nextLabels, values) {
      if (nextLabels.length === 0) {
        nextLabels = ['none'];
        values = [0];
      }
      if (!u || !sameList(nextLabels, labels)) build(nextLabels, values);
      else u.setData([labels.map((_, i) => i), values]);
    },
    resize() {
      if (u) u.setSize({ width: widthOf(el), height: HEIGHT });
    },
  };
}

/** Events per second by type over time in `el`: update(x seconds, types, one array per type). */
export function timeChart(el) {
  let u = null;
  let types = null;

  function build(nextTypes, data) {
    if (u) u.destroy();
    types = nextTypes;
    const opts = {
      width: widthOf(el),
      height: HEIGHT,
      legend: { live: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max || 0)] } },
      // One row of clock times: uPlot's default adds a date row that crowds a 2-minute window.
      axes: [{ space: 80, values: (_u, ticks) => ticks.map(clockLabel) },
        { incrs: COUNT_INCRS, size: 44, label: 'events / s' }],
      series: [
        {},
        ...types.map((t, i) => ({
          label: t,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          points: { show: false },
          paths: uPlot.paths.stepped({ align: 1 }),
        })),
      ],
    };
    u = new uPlot(opts, data, el);
  }

  return {
    update(x, nextTypes, ys) {
      // No event in the window: one flat series keeps the axes and the time scale moving.
      const shown = nextTypes.length ? nextTypes : ['(none yet)'];
      const data = [x, ...(nextTypes.length ? ys : [x.map(() => 0)])];
      if (!u || !sameList(shown, types)) build(shown, data);
      else u.setData(data);
    },
    resize() {
      if (u) u.setSize({ width: widthOf(el), height: HEIGHT });
    },
  };
}
