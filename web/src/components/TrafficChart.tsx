/** Pushes and pulls per day as an SVG line chart drawn at its container's width (text stays readable). */
import { useEffect, useRef, useState } from 'react';

import { messages, useT } from '../i18n/index.ts';

const text = messages(
  {
    none: 'No traffic recorded yet.',
    aria: 'pushes and pulls over the last {days} days',
    pullsOn: '{day}: {n} pulls',
    pushesOn: '{day}: {n} pushes',
    pushes: 'pushes ({n})',
    pulls: 'pulls ({n})',
  },
  {
    none: '尚无流量记录。',
    aria: '最近 {days} 天的推送与拉取',
    pullsOn: '{day}：拉取 {n} 次',
    pushesOn: '{day}：推送 {n} 次',
    pushes: '推送（{n}）',
    pulls: '拉取（{n}）',
  },
);

export interface DayTraffic {
  day: string;
  pushes: number;
  pulls: number;
}

const H = 200;
const PAD = { left: 36, right: 22, top: 12, bottom: 26 };

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= n) return step * magnitude;
  return 10 * magnitude;
}

/** The width of an element, following resizes. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.max(240, Math.round(entry.contentRect.width))));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

export function TrafficChart(props: { days: DayTraffic[] }) {
  const t = useT(text);
  const { days } = props;
  const { ref, width: W } = useWidth(640);
  if (days.length === 0) {
    return (
      <figure className="chart" ref={ref}>
        <p className="muted">{t('none')}</p>
      </figure>
    );
  }
  const max = niceMax(Math.max(...days.map((d) => Math.max(d.pushes, d.pulls))));
  const x = (i: number) => PAD.left + (days.length === 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (days.length - 1));
  const y = (v: number) => H - PAD.bottom - (v * (H - PAD.top - PAD.bottom)) / max;
  const line = (key: 'pushes' | 'pulls') =>
    days.map((d, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(d[key]).toFixed(1)}`).join(' ');
  const area = (key: 'pushes' | 'pulls') => `${line(key)} L${x(days.length - 1)},${y(0)} L${x(0)},${y(0)} Z`;
  const ticks = [0, max / 4, max / 2, (3 * max) / 4, max];
  const labelEvery = Math.max(1, Math.ceil(days.length / Math.max(2, Math.floor(W / 90))));
  const total = (key: 'pushes' | 'pulls') => days.reduce((n, d) => n + d[key], 0);
  return (
    <figure className="chart" ref={ref}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('aria', { days: days.length })}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className="grid" />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className="axis">
              {Number.isInteger(t) ? t : t.toFixed(1)}
            </text>
          </g>
        ))}
        {days.map((d, i) =>
          (i % labelEvery === 0 && days.length - 1 - i >= labelEvery / 2) || i === days.length - 1 ? (
            <text
              key={d.day}
              x={x(i)}
              y={H - 8}
              textAnchor={i === days.length - 1 ? 'end' : i === 0 ? 'start' : 'middle'}
              className="axis"
            >
              {d.day.slice(5)}
            </text>
          ) : null,
        )}
        <path d={area('pulls')} className="area pulls" />
        <path d={area('pushes')} className="area pushes" />
        <path d={line('pulls')} className="line pulls" />
        <path d={line('pushes')} className="line pushes" />
        {days.map((d, i) => (
          <g key={`p${d.day}`}>
            <circle cx={x(i)} cy={y(d.pulls)} r={d.pulls > 0 ? 2.5 : 0} className="dot pulls">
              <title>{t('pullsOn', { day: d.day, n: d.pulls })}</title>
            </circle>
            <circle cx={x(i)} cy={y(d.pushes)} r={d.pushes > 0 ? 2.5 : 0} className="dot pushes">
              <title>{t('pushesOn', { day: d.day, n: d.pushes })}</title>
            </circle>
          </g>
        ))}
      </svg>
      <figcaption>
        <span className="legend pushes">{t('pushes', { n: total('pushes') })}</span>
        <span className="legend pulls">{t('pulls', { n: total('pulls') })}</span>
      </figcaption>
    </figure>
  );
}
