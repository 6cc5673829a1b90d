/**
 * A small markdown renderer for repository descriptions. It builds React
 * elements, never HTML strings, so text like `<script>` is shown as text:
 * no raw HTML can reach the page. Links keep only http(s) and relative
 * targets. Covers what READMEs use most: headings, paragraphs, lists, code
 * blocks, quotes, rules, inline code, bold, italics and links.
 */
import type { ReactNode } from 'react';

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*)|(\*[^*]+\*|_[^_]+_)|(\[[^\]]+\]\([^)\s]+\))/;

function safeHref(href: string): string | null {
  if (/^https?:\/\//i.test(href) || /^[/#.]/.test(href)) return href;
  return null;
}

export function inline(text: string, key = 'i'): ReactNode[] {
  const out: ReactNode[] = [];
  let rest = text;
  let n = 0;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    if (m.index > 0) out.push(rest.slice(0, m.index));
    const token = m[0];
    const k = `${key}-${n++}`;
    if (m[1]) out.push(<code key={k}>{token.slice(1, -1)}</code>);
    else if (m[2]) out.push(<strong key={k}>{inline(token.slice(2, -2), k)}</strong>);
    else if (m[3]) out.push(<em key={k}>{inline(token.slice(1, -1), k)}</em>);
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token) as RegExpExecArray;
      const href = safeHref(link[2]);
      out.push(
        href ? (
          <a key={k} href={href} rel="noopener noreferrer nofollow" target="_blank">
            {inline(link[1], k)}
          </a>
        ) : (
          link[1]
        ),
      );
    }
    rest = rest.slice(m.index + token.length);
  }
  return out;
}

export function Markdown(props: { text: string }) {
  const lines = props.text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: ReactNode[] = [];
  let i = 0;
  const key = () => `b${blocks.length}`;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    const fence = /^```/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !/^```/.test(lines[i])) body.push(lines[i++]);
      i++;
      blocks.push(
        <pre key={key()} className="code-block">
          <code>{body.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min(heading[1].length + 1, 6);
      const Tag = `h${level}` as 'h2';
      blocks.push(<Tag key={key()}>{inline(heading[2], key())}</Tag>);
      i++;
      continue;
    }
    if (/^(-{3,}|\*{3,})\s*$/.test(line)) {
      blocks.push(<hr key={key()} />);
      i++;
      continue;
    }
    const list = /^\s*([-*+]|\d+[.)])\s+/.exec(line);
    if (list) {
      const ordered = /\d/.test(list[1]);
      const items: string[] = [];
      while (i < lines.length && /^\s*([-*+]|\d+[.)])\s+/.test(lines[i]))
        items.push(lines[i++].replace(/^\s*([-*+]|\d+[.)])\s+/, ''));
      const k = key();
      // The text is rendered whole each time: an item's position is its identity.
      // biome-ignore lint/suspicious/noArrayIndexKey: items have no id of their own
      const children = items.map((item, j) => <li key={`${k}-${j}`}>{inline(item, `${k}-${j}`)}</li>);
      blocks.push(ordered ? <ol key={k}>{children}</ol> : <ul key={k}>{children}</ul>);
      continue;
    }
    if (line.startsWith('>')) {
      const quoted: string[] = [];
      while (i < lines.length && lines[i].startsWith('>')) quoted.push(lines[i++].replace(/^>\s?/, ''));
      blocks.push(<blockquote key={key()}>{inline(quoted.join(' '), key())}</blockquote>);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() && !/^(#{1,6}\s|```|\s*([-*+]|\d+[.)])\s|>)/.test(lines[i]))
      para.push(lines[i++].trim());
    blocks.push(<p key={key()}>{inline(para.join(' '), key())}</p>);
  }
  return <div className="markdown">{blocks}</div>;
}
