// The live loss plot: a Vega-Lite line chart (the project's plotting library, src/report/plot.ts renders the
// same kind of spec to SVG in Node) compiled once, rendered by a Vega view that takes one point per step.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface LossPlot { add(t: number, loss: number): Promise<void>; clear(): Promise<void> }

export async function lossPlot(container: HTMLElement): Promise<LossPlot> {
  const spec: TopLevelSpec = {
    width: 520, height: 200, padding: { left: 30, top: 8, right: 8, bottom: 4 }, data: { name: 'loss' },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', title: 'loss (GPU)', scale: { type: 'log' } },
    },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'svg', container, hover: false });
  await view.runAsync();
  return {
    async add(t, loss) { await view.change('loss', vega.changeset().insert([{ t, loss }])).runAsync(); },
    async clear() { await view.change('loss', vega.changeset().remove(() => true)).runAsync(); },
  };
}
