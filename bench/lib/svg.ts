/** One line of the chart: a system's latencies (ms), pooled over the rounds. */
export interface CdfSeries {
  label: string;
  values: number[];
}

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#7f7f7f', '#9467bd', '#ff7f0e'];
const WIDTH = 860;
const HEIGHT = 420;
const MARGIN = { top: 40, right: 270, bottom: 50, left: 60 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceStep(range: number): number {
  const raw = range / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const [step] = [1, 2, 5, 10].filter((m) => m * magnitude >= raw);
  return (step ?? 10) * magnitude;
}

/**
 * A cumulative distribution chart (x: latency in ms, y: share of broadcasts at or below it), one
 * step line per series, with p50/p99 in the legend. Hand-written SVG: no chart dependency.
 */
export function cdfChart(title: string, series: CdfSeries[]): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const sortedAll = [...all].sort((a, b) => a - b);
  // Clip the x axis at the 99.5th percentile of everything so one outlier does not flatten the picture.
  const xMax = Math.max(1, sortedAll[Math.floor(sortedAll.length * 0.995)] ?? 1) * 1.05;
  const x = (ms: number): number => MARGIN.left + (Math.min(ms, xMax) / xMax) * plotW;
  const y = (share: number): number => MARGIN.top + (1 - share) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const step = niceStep(xMax);
  for (let tick = 0; tick <= xMax; tick += step) {
    const tx = x(tick).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${MARGIN.top}" x2="${tx}" y2="${MARGIN.top + plotH}" stroke="#e0e0e0"/>`,
      `<text x="${tx}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${Number(tick.toPrecision(6))}</text>`,
    );
  }
  for (const share of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    const ty = y(share).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${ty}" x2="${MARGIN.left + plotW}" y2="${ty}" stroke="#e0e0e0"/>`,
      `<text x="${MARGIN.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${share * 100}%</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">latency to the last client, ms (scheduled send to arrival)</text>`,
    `<text x="16" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + plotH / 2})">broadcasts at or below</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const values = s.values.filter(Number.isFinite).sort((a, b) => a - b);
    const n = values.length;
    if (n > 0) {
      let d = `M${x(values[0]!).toFixed(1)},${y(0).toFixed(1)}`;
      values.forEach((v, k) => {
        d += ` H${x(v).toFixed(1)} V${y((k + 1) / n).toFixed(1)}`;
      });
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    const p50 = n === 0 ? 'n/a' : values[Math.ceil(0.5 * n) - 1]!.toFixed(2);
    const p99 = n === 0 ? 'n/a' : values[Math.ceil(0.99 * n) - 1]!.toFixed(2);
    const ly = MARGIN.top + 10 + i * 36;
    const lx = MARGIN.left + plotW + 14;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${lx + 24}" y="${ly + 4}" font-weight="bold">${escapeXml(s.label)}</text>`,
      `<text x="${lx + 24}" y="${ly + 19}">p50 ${p50} ms, p99 ${p99} ms (n=${n})</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
