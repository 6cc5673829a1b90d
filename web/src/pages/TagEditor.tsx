/** The tags of an artifact, with adding and removing. */
import { type FormEvent, useState } from 'react';
import { del, get, post } from '../api.ts';
import { describeError } from '../components/ErrorBox.tsx';
import { useConfirm } from '../components/use-confirm.tsx';
import { useProjectAccess } from '../components/use-project-access.ts';
import type { Artifact, Tag } from '../types.ts';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function TagEditor(props: { artifact: Artifact; base: string; project: string; onChange: () => void }) {
  const { ask, dialog } = useConfirm();
  // Guests see the tags; only roles that may push add them, only those that may delete remove them.
  const access = useProjectAccess(props.project);
  const a = props.artifact;
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Tags past the first page, fetched 100 at a time on request (an artifact may carry thousands). */
  const [more, setMore] = useState<Tag[]>([]);
  const permission = `push in project ${props.project}`;
  const tagsBase = `${props.base.replace(/\/artifacts\/[^/]+$/, '')}/artifacts/${a.digest}/tags`;

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const tag = name.trim();
    if (!TAG.test(tag)) {
      setError('A tag is letters, digits, “_”, “.” and “-” (at most 128), not starting with “.” or “-”.');
      return;
    }
    setBusy('+');
    setError(null);
    try {
      await post(tagsBase, { name: tag });
      setName('');
      setMore([]);
      props.onChange();
    } catch (err) {
      setError(describeError(err, { permission }));
    } finally {
      setBusy(null);
    }
  };

  const remove = async (tag: string) => {
    const ok = await ask({
      title: `Remove the tag ${tag}?`,
      message: 'The artifact itself stays, with its other tags and its digest.',
      confirmLabel: 'Remove tag',
    });
    if (!ok) return;
    setBusy(tag);
    setError(null);
    try {
      await del(`${tagsBase}/${encodeURIComponent(tag)}`);
      setMore([]);
      props.onChange();
    } catch (err) {
      setError(describeError(err, { permission: `delete artifact in project ${props.project}` }));
    } finally {
      setBusy(null);
    }
  };

  const shown = [...a.tags, ...more];
  const loadMore = async () => {
    setBusy('more');
    setError(null);
    try {
      const page = Math.floor(shown.length / 100) + 1;
      const next = await get<Tag[]>(`${tagsBase}?page=${page}&page_size=100`);
      setMore((m) => [...m, ...next]);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="panel">
      {dialog}
      <h2>
        Tags <span className="muted small">({a.tag_count})</span>
      </h2>
      <ul className="chips tag-list">
        {a.tags.length === 0 ? <li className="muted">untagged</li> : null}
        {shown.map((t) => (
          <li key={t.name} className="chip">
            {t.name}
            <button
              type="button"
              className="chip-remove"
              aria-label={`remove tag ${t.name}`}
              title={`remove tag ${t.name}`}
              disabled={busy !== null || !access.canDelete}
              onClick={() => remove(t.name)}
            >
              ×
            </button>
          </li>
        ))}
        {a.tag_count > shown.length ? (
          <li>
            <button type="button" className="link" onClick={loadMore} disabled={busy !== null}>
              {busy === 'more' ? 'Loading…' : `Show more (${a.tag_count - shown.length} not shown)`}
            </button>
          </li>
        ) : null}
      </ul>
      <form className="inline-form" onSubmit={add}>
        <input
          aria-label="new tag"
          placeholder="new tag, e.g. stable"
          value={name}
          disabled={!access.canPush}
          title={access.canPush ? undefined : `needs the push permission in project ${props.project}`}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" disabled={busy !== null || name.trim() === '' || !access.canPush}>
          {busy === '+' ? 'Adding…' : 'Add tag'}
        </button>
      </form>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
