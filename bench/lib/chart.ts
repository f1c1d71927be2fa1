/**
 * A dependency-free SVG bar chart for the README: one horizontal bar per tool (the median), a whisker to
 * the p90, and the figures written next to it. Groups (e.g. "equal request rates", "each tool's defaults")
 * share one scale so bars compare across them.
 */

export interface Bar {
  label: string;
  median: number;
  p90: number;
  /** Text after the figures, e.g. "6 requests". */
  note?: string;
  /** Drawn in the accent colour (Deploy Sentinel). */
  highlight?: boolean;
}

export interface BarGroup {
  title: string;
  bars: Bar[];
}

export interface ChartOptions {
  title: string;
  subtitle: string;
  /** Unit of the values, used on the axis and labels (values are milliseconds, shown as seconds). */
  groups: BarGroup[];
}

const WIDTH = 860;
const LABEL_W = 330;
const BAR_W = 330;
const ROW_H = 26;
const BAR_H = 16;
const FONT = "font-family='-apple-system, Segoe UI, Helvetica, Arial, sans-serif'";

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const seconds = (valueMs: number): string => `${(valueMs / 1000).toFixed(2)} s`;

/** Renders the chart; values are milliseconds. */
export function barChartSvg({ title, subtitle, groups }: ChartOptions): string {
  const max = Math.max(1, ...groups.flatMap((g) => g.bars.map((b) => Math.max(b.p90, b.median))));
  // A round axis end: 1, 2 or 5 times a power of ten, at or above the largest value.
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const axisMax = [1, 2, 5, 10].map((m) => m * magnitude).find((v) => v >= max) ?? max;
  const scale = (value: number) => (value / axisMax) * BAR_W;
  const parts: string[] = [];
  let y = 28;
  parts.push(
    `<text x='16' y='${y}' font-size='17' font-weight='600' fill='#1f2328'>${escapeXml(title)}</text>`,
  );
  y += 20;
  parts.push(`<text x='16' y='${y}' font-size='12' fill='#57606a'>${escapeXml(subtitle)}</text>`);
  y += 18;
  const top = y;
  for (const group of groups) {
    y += 22;
    parts.push(
      `<text x='16' y='${y}' font-size='13' font-weight='600' fill='#1f2328'>${escapeXml(group.title)}</text>`,
    );
    y += 8;
    for (const bar of group.bars) {
      const barY = y + (ROW_H - BAR_H) / 2;
      const colour = bar.highlight ? '#1a7f37' : '#8c959f';
      const w = Math.max(1, scale(bar.median));
      const whiskerX = LABEL_W + scale(bar.p90);
      parts.push(
        `<text x='${LABEL_W - 10}' y='${barY + BAR_H - 3}' font-size='12' text-anchor='end' fill='#1f2328'${bar.highlight ? " font-weight='600'" : ''}>${escapeXml(bar.label)}</text>`,
        `<rect x='${LABEL_W}' y='${barY}' width='${w.toFixed(1)}' height='${BAR_H}' rx='2' fill='${colour}'/>`,
      );
      if (bar.p90 > bar.median) {
        const mid = barY + BAR_H / 2;
        parts.push(
          `<line x1='${(LABEL_W + w).toFixed(1)}' y1='${mid}' x2='${whiskerX.toFixed(1)}' y2='${mid}' stroke='#57606a' stroke-width='1'/>`,
          `<line x1='${whiskerX.toFixed(1)}' y1='${barY + 3}' x2='${whiskerX.toFixed(1)}' y2='${barY + BAR_H - 3}' stroke='#57606a' stroke-width='1'/>`,
        );
      }
      const text = `${seconds(bar.median)} (p90 ${seconds(bar.p90)})${bar.note ? ` · ${bar.note}` : ''}`;
      parts.push(
        `<text x='${(Math.max(LABEL_W + w, whiskerX) + 8).toFixed(1)}' y='${barY + BAR_H - 3}' font-size='11' fill='#57606a'>${escapeXml(text)}</text>`,
      );
      y += ROW_H;
    }
  }
  // Axis: gridlines at round steps (fifths of 1x or 5x a power of ten, quarters of 2x), labelled in seconds.
  const axisY = y + 8;
  const ticks = Math.round(axisMax / magnitude) === 2 ? 4 : 5;
  for (let i = 0; i <= ticks; i++) {
    const x = LABEL_W + (BAR_W * i) / ticks;
    parts.unshift(
      `<line x1='${x}' y1='${top + 10}' x2='${x}' y2='${axisY}' stroke='#d0d7de' stroke-width='1'${i === 0 ? '' : " stroke-dasharray='3,3'"}/>`,
    );
    parts.push(
      `<text x='${x}' y='${axisY + 14}' font-size='11' text-anchor='middle' fill='#57606a'>${escapeXml(seconds((axisMax * i) / ticks))}</text>`,
    );
  }
  const height = axisY + 30;
  return [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${WIDTH}' height='${height}' viewBox='0 0 ${WIDTH} ${height}' ${FONT}>`,
    `<rect width='${WIDTH}' height='${height}' fill='#ffffff'/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
