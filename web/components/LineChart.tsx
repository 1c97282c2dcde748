"use client";
/** A small dependency-free SVG line chart: points in time order, y formatted by the caller. */
export type Point = { t: number; y: number };

export function LineChart({ points, label, format, height = 160 }: { points: Point[]; label: string; format: (y: number) => string; height?: number }) {
  const width = 560;
  const pad = { l: 56, r: 8, t: 8, b: 22 };
  if (points.length === 0) return null;
  const ts = points.map((p) => p.t);
  const ys = points.map((p) => p.y);
  const [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.05, y1 + Math.abs(y1 || 1) * 0.05];
  const x = (t: number) => pad.l + ((t - t0) / Math.max(1, t1 - t0)) * (width - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - (v - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const line = points.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`).join(" ");
  const area = `${line} L${x(t1).toFixed(1)},${height - pad.b} L${x(t0).toFixed(1)},${height - pad.b} Z`;
  const day = (t: number) => new Date(t * 1000).toISOString().slice(5, 10);
  const last = points[points.length - 1]!;
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}: ${points.length} points from ${day(t0)} to ${day(t1)}, latest ${format(last.y)}`}>
      {[y0, (y0 + y1) / 2, y1].map((v) => (
        <g key={v}>
          <line className="chart-grid" x1={pad.l} x2={width - pad.r} y1={y(v)} y2={y(v)} />
          <text className="chart-axis" x={pad.l - 6} y={y(v) + 4} textAnchor="end">
            {format(v)}
          </text>
        </g>
      ))}
      <path className="chart-area" d={area} />
      <path className="chart-line" d={line} />
      <text className="chart-axis" x={pad.l} y={height - 6}>
        {day(t0)}
      </text>
      <text className="chart-axis" x={width - pad.r} y={height - 6} textAnchor="end">
        {day(t1)}
      </text>
    </svg>
  );
}
