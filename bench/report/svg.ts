export interface BarGroup {
  label: string;
  values: number[];
}

export interface BarChart {
  title: string;
  yLabel: string;
  series: string[];
  groups: BarGroup[];
  /** A dashed horizontal line, e.g. the mean or an ideal. */
  reference?: { value: number; label: string };
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round axis maximum: 1, 2 or 5 times a power of ten at or above `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max) ?? 10 * power;
}

/** A grouped bar chart as a standalone SVG document (no dependencies, stable output for review). */
export function renderBarChart(chart: BarChart): string {
  const plot = { left: 70, top: 50, height: 260 };
  const barWidth = 14;
  const groupWidth = chart.series.length * barWidth + 24;
  // Wide enough for the title and the legend even with few groups.
  const width = Math.max(
    plot.left + chart.groups.length * groupWidth + 30,
    plot.left + chart.series.length * 110 + 40,
    440,
  );
  const height = plot.top + plot.height + 90;
  const all = chart.groups.flatMap((g) => g.values).concat(chart.reference ? [chart.reference.value] : []);
  const top = niceMax(Math.max(...all));
  const y = (v: number) => Math.round((plot.top + plot.height - (v / top) * plot.height) * 10) / 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(chart.title)}</text>`,
    `<text transform="translate(16 ${plot.top + plot.height / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    parts.push(
      `<line x1="${plot.left}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${plot.left - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v).toLocaleString('en-US')}</text>`,
    );
  }
  chart.groups.forEach((group, g) => {
    const x0 = plot.left + 12 + g * groupWidth;
    group.values.forEach((v, s) => {
      parts.push(
        `<rect x="${x0 + s * barWidth}" y="${y(v)}" width="${barWidth - 2}" height="${plot.top + plot.height - y(v)}" fill="${COLORS[s % COLORS.length]}"><title>${esc(`${group.label} ${chart.series[s]}: ${v}`)}</title></rect>`,
      );
    });
    const cx = x0 + (chart.series.length * barWidth) / 2;
    parts.push(
      `<text transform="translate(${cx} ${plot.top + plot.height + 14}) rotate(30)" text-anchor="start">${esc(group.label)}</text>`,
    );
  });
  if (chart.reference) {
    const ry = y(chart.reference.value);
    parts.push(
      `<line x1="${plot.left}" x2="${width - 20}" y1="${ry}" y2="${ry}" stroke="#333" stroke-dasharray="5 4"/>`,
      `<text x="${width - 22}" y="${ry - 4}" text-anchor="end">${esc(chart.reference.label)}</text>`,
    );
  }
  chart.series.forEach((name, s) => {
    const lx = plot.left + s * 110;
    const ly = height - 16;
    parts.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${COLORS[s % COLORS.length]}"/>`,
      `<text x="${lx + 14}" y="${ly}">${esc(name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
