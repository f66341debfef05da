/**
 * The drawing kit of the PNG charts: Chart.js on @napi-rs/canvas (no browser), a system
 * font registered once, a white background, whiskers and labels over bars, and the
 * shared title and axis styles. Pure apart from registering the font.
 */
import { existsSync } from 'node:fs';
import { createCanvas, GlobalFonts, type Canvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartItem, type Plugin } from 'chart.js';

Chart.register(...registerables);

export interface ChartImage {
  /** File name, e.g. `time.png`. */
  name: string;
  png: Buffer;
  width: number;
  height: number;
  /** What the chart shows, for headings and alt text. */
  title: string;
}

/** Where `.ci/run` puts DejaVu (Debian package fonts-dejavu-core). */
export const FONT_PATHS = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'];
const FONT_FAMILY = 'DejaVu Sans';

let fontFamily: string | undefined;

/**
 * A font Skia can draw text with. @napi-rs/canvas loads system fonts itself; DejaVu is
 * registered by path in case the system font scan missed it. Without any font, text
 * renders as empty boxes: install fonts-dejavu-core.
 */
export function chartFont(): string {
  if (fontFamily) return fontFamily;
  if (!GlobalFonts.has(FONT_FAMILY)) {
    for (const p of FONT_PATHS) if (existsSync(p)) GlobalFonts.registerFromPath(p, FONT_FAMILY);
  }
  fontFamily = GlobalFonts.has(FONT_FAMILY) ? FONT_FAMILY : (GlobalFonts.families[0]?.family ?? 'sans-serif');
  Chart.defaults.font.family = `'${fontFamily}'`;
  Chart.defaults.font.size = 13;
  Chart.defaults.color = '#222';
  return fontFamily;
}

const whiteBackground: Plugin = {
  id: 'cachebenchWhiteBackground',
  beforeDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** Whiskers at [low, high] (data units of the y scale) per dataset × index; Chart.js has none built in. */
export function errorBars(ranges: Array<Array<[number, number] | undefined>>): Plugin<'bar'> {
  return {
    id: 'cachebenchErrorBars',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const y = chart.scales.y;
      if (!y) return;
      ctx.save();
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 1.5;
      ranges.forEach((perIndex, di) => {
        const meta = chart.getDatasetMeta(di);
        if (meta.hidden) return;
        meta.data.forEach((bar, i) => {
          const r = perIndex[i];
          if (!r || !(r[1] > r[0])) return;
          const top = y.getPixelForValue(r[1]);
          const bottom = y.getPixelForValue(r[0]);
          const half = Math.min(6, ((bar as unknown as { width: number }).width ?? 12) / 3);
          ctx.beginPath();
          ctx.moveTo(bar.x, top);
          ctx.lineTo(bar.x, bottom);
          ctx.moveTo(bar.x - half, top);
          ctx.lineTo(bar.x + half, top);
          ctx.moveTo(bar.x - half, bottom);
          ctx.lineTo(bar.x + half, bottom);
          ctx.stroke();
        });
      });
      ctx.restore();
    },
  };
}

/** Small text above each bar (vertical bars), placed above its whisker when there is one. */
export function barLabels(labels: Array<Array<string | undefined>>, above: Array<Array<number | undefined>> = []): Plugin<'bar'> {
  return {
    id: 'cachebenchBarLabels',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      const y = chart.scales.y;
      ctx.save();
      ctx.font = `11px '${chartFont()}'`;
      ctx.fillStyle = '#333';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      labels.forEach((perIndex, di) => {
        const meta = chart.getDatasetMeta(di);
        if (meta.hidden) return;
        meta.data.forEach((bar, i) => {
          const text = perIndex[i];
          if (!text) return;
          const hi = above[di]?.[i];
          // A bar without data (failed or missing cell) has no y: label it on the axis.
          const barTop = Number.isFinite(bar.y) ? bar.y : y ? y.getPixelForValue(0) : NaN;
          const top = hi !== undefined && y ? Math.min(barTop, y.getPixelForValue(hi)) : barTop;
          if (Number.isFinite(bar.x) && Number.isFinite(top)) ctx.fillText(text, bar.x, top - 3);
        });
      });
      ctx.restore();
    },
  };
}

export function draw(config: ChartConfiguration<'bar', Array<number | null>, string>, width: number, height: number, plugins: Plugin<'bar'>[] = []): Canvas {
  return drawAny(config as unknown as ChartConfiguration, width, height, plugins as unknown as Plugin[]);
}

/** A line chart of {x, y} points (e.g. on a logarithmic x axis). */
export function drawLine(config: ChartConfiguration<'line', Array<{ x: number; y: number }>>, width: number, height: number): Canvas {
  return drawAny(config as unknown as ChartConfiguration, width, height);
}

function drawAny(config: ChartConfiguration, width: number, height: number, plugins: Plugin[] = []): Canvas {
  chartFont();
  const canvas = createCanvas(width, height);
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartItem, {
    ...config,
    options: { ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
    plugins: [whiteBackground as Plugin, ...plugins, ...(config.plugins ?? [])],
  });
  // destroy() clears the canvas, so keep a copy of the pixels first.
  const copy = createCanvas(width, height);
  copy.getContext('2d').drawImage(canvas, 0, 0);
  chart.destroy();
  return copy;
}

export function png(name: string, title: string, canvas: Canvas): ChartImage {
  return { name, title, png: canvas.toBuffer('image/png'), width: canvas.width, height: canvas.height };
}

export const titleFont = { size: 18, weight: 'bold' as const };
export const axisTitle = (text: string) => ({ display: true, text, font: { size: 13, weight: 'bold' as const } });
