/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * A bar chart drawn on the server as SVG (no script, nothing inline the CSP would refuse: presentation
 * attributes and classes only), with a text alternative (`role="img"`, its `<title>` and `<desc>`) and
 * the same figures in an accessible table beside it (WCAG 2.1: 1.1.1, 1.4.1). A suppressed figure is no
 * bar of a height: `"<5"` is drawn as a dashed outline up to the threshold and labelled, `"x"` is a label
 * on the baseline, so the picture never claims more than the table.
 */
import type { Figure } from '../../index.js';
import type { Texts } from '../_i18n/index.js';

/** One group of bars (a month), with one figure per series. */
export interface ChartGroup {
  label: string;
  /** Its long name, for the table (e.g. "mars 2026"). */
  name: string;
  values: Figure[];
}

const WIDTH = 720;
const HEIGHT = 260;
const LEFT = 36;
const BOTTOM = 28;
const TOP = 16;

/** The chart and its table, side by side. */
export function BarChart(props: {
  texts: Texts;
  id: string;
  title: string;
  description: string;
  caption: string;
  series: string[];
  groups: ChartGroup[];
  threshold: number;
}) {
  const { texts, groups, series, threshold } = props;
  const numbers = groups.flatMap((g) => g.values.filter((v): v is number => typeof v === 'number'));
  const max = Math.max(threshold, ...numbers, 1);
  const step = max <= 10 ? 1 : max <= 25 ? 5 : max <= 100 ? 10 : 10 ** Math.floor(Math.log10(max));
  const top = Math.ceil(max / step) * step;
  const plotH = HEIGHT - TOP - BOTTOM;
  const y = (v: number) => TOP + plotH - (v / top) * plotH;
  const groupW = (WIDTH - LEFT) / Math.max(groups.length, 1);
  const barW = Math.min(18, (groupW - 8) / series.length);
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  const titleId = `${props.id}-title`;
  const descId = `${props.id}-desc`;
  return (
    <div class="chart-pair">
      <figure class="chart">
        <svg
          class="chart__svg"
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          role="img"
          aria-labelledby={`${titleId} ${descId}`}
          xmlns="http://www.w3.org/2000/svg"
        >
          <title id={titleId}>{props.title}</title>
          <desc id={descId}>{props.description}</desc>
          {ticks.map((v) => (
            <g>
              <line x1={LEFT} x2={WIDTH} y1={y(v)} y2={y(v)} class="chart__grid" />
              <text x={LEFT - 6} y={y(v) + 4} class="chart__tick" text-anchor="end">
                {texts.number(v)}
              </text>
            </g>
          ))}
          {groups.map((g, gi) => {
            const x0 = LEFT + gi * groupW + (groupW - barW * series.length) / 2;
            return (
              <g>
                {g.values.map((v, si) => {
                  const x = x0 + si * barW;
                  const cls = `chart__bar chart__bar--${si}`;
                  if (typeof v === 'number') {
                    return v === 0 ? null : (
                      <rect x={x} y={y(v)} width={barW - 2} height={y(0) - y(v)} class={cls} />
                    );
                  }
                  if (v.startsWith('<')) {
                    return (
                      <g>
                        <rect
                          x={x}
                          y={y(threshold - 1)}
                          width={barW - 2}
                          height={y(0) - y(threshold - 1)}
                          class={`${cls} chart__bar--small`}
                        />
                        <text
                          x={x + (barW - 2) / 2}
                          y={y(threshold - 1) - 3}
                          class="chart__mark"
                          text-anchor="middle"
                        >
                          {v}
                        </text>
                      </g>
                    );
                  }
                  return (
                    <text x={x + (barW - 2) / 2} y={y(0) - 3} class="chart__mark" text-anchor="middle">
                      {v}
                    </text>
                  );
                })}
                <text
                  x={LEFT + gi * groupW + groupW / 2}
                  y={HEIGHT - 10}
                  class="chart__label"
                  text-anchor="middle"
                >
                  {g.label}
                </text>
              </g>
            );
          })}
          <line x1={LEFT} x2={WIDTH} y1={y(0)} y2={y(0)} class="chart__axis" />
        </svg>
        <figcaption class="chart__legend">
          {series.map((s, i) => (
            <span class="chart__key">
              <svg class="chart__swatch" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
                <rect x="0" y="0" width="12" height="12" class={`chart__bar chart__bar--${i}`} />
              </svg>{' '}
              {s}
            </span>
          ))}
        </figcaption>
      </figure>
      <table class="table table--figures chart__table">
        <caption class="caption-table">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{texts.t.reports.statistics.monthCol}</th>
            {series.map((s) => (
              <th scope="col" class="numeric">
                {s}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr>
              <th scope="row">{g.name}</th>
              {g.values.map((v) => (
                <td class="numeric">{typeof v === 'number' ? texts.number(v) : v}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
