/** A file's text (YAML, TOML…) under its name, with a copy button: what a person pastes elsewhere. */
import { CopyButton } from './CopyButton.tsx';

export function CodeBlock(props: { title: string; text: string; copyLabel?: string }) {
  return (
    <figure className="code-block">
      <figcaption>
        <span className="mono">{props.title}</span>
        <CopyButton text={props.text} label={props.copyLabel} />
      </figcaption>
      <pre>
        <code>{props.text}</code>
      </pre>
    </figure>
  );
}
