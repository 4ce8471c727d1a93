/**
 * Exports a recharts chart: its SVG serialized (with a white background, a title and the legend
 * entries drawn into it, since recharts draws the legend in HTML), and a PNG drawn from that SVG.
 */
import { downloadBlob } from '../download';

export interface LegendEntry {
  label: string;
  colour: string;
}

/** The chart's main SVG inside a container (legend icons are SVGs too: take the plot's). */
function chartSvg(container: HTMLElement): SVGSVGElement | null {
  return container.querySelector<SVGSVGElement>('.recharts-wrapper > svg') ?? container.querySelector('svg');
}

export function serializeChart(container: HTMLElement, title: string, legend: LegendEntry[]): { svg: string; width: number; height: number } | null {
  const source = chartSvg(container);
  if (!source) return null;
  const width = Math.round(source.getBoundingClientRect().width) || Number(source.getAttribute('width')) || 800;
  const plotHeight = Math.round(source.getBoundingClientRect().height) || Number(source.getAttribute('height')) || 400;
  const top = 34;
  const bottom = legend.length > 0 ? 30 : 0;
  const height = plotHeight + top + bottom;
  const ns = 'http://www.w3.org/2000/svg';
  const clone = source.cloneNode(true) as SVGSVGElement;
  const out = document.createElementNS(ns, 'svg');
  out.setAttribute('xmlns', ns);
  out.setAttribute('width', String(width));
  out.setAttribute('height', String(height));
  out.setAttribute('viewBox', `0 0 ${width} ${height}`);
  out.setAttribute('font-family', 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif');
  const background = document.createElementNS(ns, 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', 'white');
  out.appendChild(background);
  const heading = document.createElementNS(ns, 'text');
  heading.setAttribute('x', '12');
  heading.setAttribute('y', '22');
  heading.setAttribute('font-size', '16');
  heading.setAttribute('font-weight', '600');
  heading.setAttribute('fill', '#1f2937');
  heading.textContent = title;
  out.appendChild(heading);
  const plot = document.createElementNS(ns, 'g');
  plot.setAttribute('transform', `translate(0, ${top})`);
  // Inline the plot's children (the clone keeps recharts' attributes; CSS from the page is not needed).
  while (clone.firstChild) plot.appendChild(clone.firstChild);
  out.appendChild(plot);
  let x = 12;
  for (const entry of legend) {
    const swatch = document.createElementNS(ns, 'rect');
    swatch.setAttribute('x', String(x));
    swatch.setAttribute('y', String(top + plotHeight + 10));
    swatch.setAttribute('width', '12');
    swatch.setAttribute('height', '12');
    swatch.setAttribute('fill', entry.colour);
    out.appendChild(swatch);
    const text = document.createElementNS(ns, 'text');
    text.setAttribute('x', String(x + 16));
    text.setAttribute('y', String(top + plotHeight + 21));
    text.setAttribute('font-size', '13');
    text.setAttribute('fill', '#374151');
    text.textContent = entry.label;
    out.appendChild(text);
    x += 28 + entry.label.length * 7.2;
  }
  return { svg: new XMLSerializer().serializeToString(out), width, height };
}

export function exportChartSvg(container: HTMLElement, title: string, legend: LegendEntry[], filename: string): boolean {
  const chart = serializeChart(container, title, legend);
  if (!chart) return false;
  downloadBlob(new Blob([chart.svg], { type: 'image/svg+xml' }), filename);
  return true;
}

/** Draws the SVG on a canvas at `scale` (2 = sharp on a projector) and saves it as PNG. */
export async function exportChartPng(container: HTMLElement, title: string, legend: LegendEntry[], filename: string, scale = 2): Promise<boolean> {
  const chart = serializeChart(container, title, legend);
  if (!chart) return false;
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(chart.svg)}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = chart.width * scale;
  canvas.height = chart.height * scale;
  const context = canvas.getContext('2d');
  if (!context) return false;
  context.scale(scale, scale);
  context.drawImage(image, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) return false;
  downloadBlob(blob, filename);
  return true;
}
