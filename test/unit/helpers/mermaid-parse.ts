/**
 * The real Mermaid parser in Node: mermaid's own `parse`, with a jsdom window for the
 * DOMPurify it sanitizes titles with (mermaid expects a browser). Tests only.
 */
import { JSDOM } from 'jsdom';

export interface XyChartData {
  orientation: string;
  title: string;
  categories: string[];
  yAxis: { title: string; min: number; max: number };
  plots: Array<{ type: 'bar' | 'line'; title: string; values: number[]; labels: string[] }>;
}

interface MermaidApi {
  parse(text: string): Promise<unknown>;
  mermaidAPI: { getDiagramFromText(text: string): Promise<{ type: string; db: XyDb }> };
}

interface XyDb {
  getXYChartData(): { xAxis: { categories?: string[] }; yAxis: { title: string; min: number; max: number }; plots: Array<{ type: 'bar' | 'line'; title: string; data: Array<[string, number]> }> };
  getChartConfig(): { chartOrientation: string };
  getDiagramTitle(): string;
}

let loaded: Promise<MermaidApi> | undefined;

function load(): Promise<MermaidApi> {
  if (!loaded) {
    (globalThis as { window?: unknown }).window = new JSDOM('').window;
    loaded = import('mermaid').then((m) => m.default as unknown as MermaidApi);
  }
  return loaded;
}

/** The fenced ```mermaid blocks of a Markdown text. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');
}

/** Parses an xychart with mermaid (throws mermaid's parse error) and returns what mermaid read from it. */
export async function parseXyChart(text: string): Promise<XyChartData> {
  const mermaid = await load();
  await mermaid.parse(text);
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  if (diagram.type !== 'xychart') throw new Error(`not an xychart but ${diagram.type}`);
  const data = diagram.db.getXYChartData();
  return {
    orientation: diagram.db.getChartConfig().chartOrientation,
    title: diagram.db.getDiagramTitle(),
    categories: data.xAxis.categories ?? [],
    yAxis: data.yAxis,
    plots: data.plots.map((p) => ({ type: p.type, title: p.title, values: p.data.map((d) => d[1]), labels: p.data.map((d) => d[0]) })),
  };
}
