// Charts with uPlot, served by the node from its npm package and loaded only when a chart is shown.
let loading;

function loadUplot() {
  loading ??= new Promise((resolve, reject) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = '/dashboard/vendor/uPlot.min.css';
    document.head.append(css);
    const script = document.createElement('script');
    script.src = '/dashboard/vendor/uPlot.iife.min.js';
    script.onload = () => resolve(window.uPlot);
    script.onerror = () => reject(new Error('uPlot did not load'));
    document.head.append(script);
  });
  return loading;
}

const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * A line chart of one field in `el`: `points` is [[seconds], [values]]; `span()` gives the time
 * axis [from, to] in seconds, the whole range chosen even where it has no point. Returns
 * {set(points), destroy()}.
 */
export async function lineChart(el, { label, unit, points, span }) {
  const uPlot = await loadUplot();
  const fg = cssVar('--fg');
  const grid = cssVar('--line');
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const width = () => Math.max(240, el.clientWidth || 300);
  const plot = new uPlot(
    {
      width: width(),
      height: 220,
      series: [{}, { label: unit ? `${label} (${unit})` : label, stroke: cssVar('--accent'), width: 2, points: { show: false }, spanGaps: true }],
      // The y axis as wide as its longest label ("1,013.75"), at about 8 px a character.
      axes: [axis, { ...axis, size: (_u, values) => 20 + 8 * Math.max(3, ...(values ?? []).map((v) => String(v).length)) }],
      scales: { x: { time: true, range: () => span() } },
      cursor: { drag: { x: true, y: false } },
    },
    points,
    el,
  );
  const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 220 }));
  resize.observe(el);
  return {
    set(next) {
      plot.setData(next);
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}
