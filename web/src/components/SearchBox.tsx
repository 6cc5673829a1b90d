/** A search field that updates the URL's `q` after the user pauses typing. */
import { useEffect, useState } from 'react';
import { setQuery } from '../router.tsx';

export function SearchBox(props: { value: string; placeholder: string; param?: string }) {
  const [text, setText] = useState(props.value);
  const param = props.param ?? 'q';
  useEffect(() => setText(props.value), [props.value]);
  useEffect(() => {
    if (text === props.value) return;
    const t = setTimeout(() => setQuery({ [param]: text.trim(), page: undefined }), 250);
    return () => clearTimeout(t);
  }, [text, props.value, param]);
  return (
    <input
      type="search"
      className="search"
      placeholder={props.placeholder}
      aria-label={props.placeholder}
      value={text}
      onChange={(e) => setText(e.target.value)}
    />
  );
}
