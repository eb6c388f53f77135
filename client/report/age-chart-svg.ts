import type { SafeHtml } from './html-template';
import { markup } from './html-template';
import type { AgeBucket } from './key-age-distribution';

const WIDTH = 640;
const HEIGHT = 280;
const TOP = 30;
const BOTTOM = 40;
const LEFT = 40;
const BAR = 28;
const BEFORE_COLOUR = '#b45309';
const AFTER_COLOUR = '#047857';

/** An inline SVG bar chart: per age bucket, the key count before and after, side by side. */
export function ageChartSvg(buckets: readonly AgeBucket[]): SafeHtml {
  const max = Math.max(1, ...buckets.flatMap((b) => [b.before, b.after]));
  const plot = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT) / buckets.length;
  const bar = (x: number, count: number, colour: string, name: string, bucket: string) => {
    const h = Math.round((count / max) * plot);
    const y = TOP + plot - h;
    return markup`<rect x="${x}" y="${y}" width="${BAR}" height="${h}" fill="${colour}"><title>${name}, ${bucket} days: ${count}</title></rect><text x="${x + BAR / 2}" y="${y - 4}" text-anchor="middle" font-size="12">${count}</text>`;
  };
  const groups = buckets.map((b, i) => {
    const x = LEFT + i * slot + slot / 2 - BAR;
    return markup`<g>${bar(x, b.before, BEFORE_COLOUR, 'before', b.label)}${bar(x + BAR, b.after, AFTER_COLOUR, 'after', b.label)}<text x="${x + BAR}" y="${HEIGHT - BOTTOM + 18}" text-anchor="middle" font-size="12">${b.label} d</text></g>\n`;
  });
  const legend = markup`<rect x="${LEFT}" y="6" width="12" height="12" fill="${BEFORE_COLOUR}"/><text x="${LEFT + 16}" y="16" font-size="12">before</text><rect x="${LEFT + 80}" y="6" width="12" height="12" fill="${AFTER_COLOUR}"/><text x="${LEFT + 96}" y="16" font-size="12">after</text>`;
  return markup`<svg role="img" aria-labelledby="age-chart-title" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">
<title id="age-chart-title">Access keys by age, before and after the campaign</title>
<line x1="${LEFT}" y1="${TOP + plot}" x2="${WIDTH}" y2="${TOP + plot}" stroke="#555"/>
${groups}${legend}
</svg>`;
}
