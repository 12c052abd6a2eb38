// Charts as standalone SVG strings, rendered in Node by Vega (no browser, no canvas): reports embed them
// inline so an HTML file opens from disk with no server and no script. Vega-Lite specs are the input
// because they say what a chart shows in a few lines; Vega's headless view renders them.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface LineChartOptions {
  title: string;
  x: string;
  y: string;
  series: readonly Series[];
  /** A log-scale y axis (losses spanning decades). Non-positive values are dropped, since log(0) has no place. */
  logY?: boolean;
  width?: number;
  height?: number;
}

export interface BarChartOptions {
  title: string;
  x: string;
  y: string;
  bars: readonly { name: string; value: number }[];
  width?: number;
  height?: number;
}

/** Renders any Vega-Lite spec to an SVG string. */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One line per series; non-finite points (a diverged run) are left out rather than breaking the scale. */
export function lineChartSpec(o: LineChartOptions): TopLevelSpec {
  const values = o.series.flatMap((s) => s.points
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0))
    .map(([x, y]) => ({ series: s.name, x, y })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: o.title,
    width: o.width ?? 560,
    height: o.height ?? 280,
    data: { values },
    mark: { type: 'line', interpolate: 'linear', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.x },
      y: { field: 'y', type: 'quantitative', title: o.y, scale: o.logY ? { type: 'log' } : { zero: false } },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

export function barChartSpec(o: BarChartOptions): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: o.title,
    width: o.width ?? 560,
    height: o.height ?? Math.max(80, 28 * o.bars.length),
    data: { values: o.bars.map((b) => ({ name: b.name, value: b.value })) },
    mark: 'bar',
    encoding: {
      y: { field: 'name', type: 'nominal', title: o.x, sort: null },
      x: { field: 'value', type: 'quantitative', title: o.y },
    },
  };
}

export const lineChart = (o: LineChartOptions) => specToSvg(lineChartSpec(o));
export const barChart = (o: BarChartOptions) => specToSvg(barChartSpec(o));
