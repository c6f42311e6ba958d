import { useEffect, useState } from 'preact/hooks';
import type { AttachmentMeta } from '../../domain/attachment';
import { entityType, type EntityTypeDef, type FieldDef } from '../../domain/entity-types';
import type { FieldErrors } from '../../lib/errors';
import { isVaultError } from '../../lib/errors';
import type { RecordView } from '../../../workers/vault/api';
import { Field, describedBy } from '../components/Field';
import { PhotoThumb, PhotoViewer } from '../components/Photos';
import { describeError } from '../errors';
import { go, goAfter } from '../router';
import { session } from '../state';
import { vault } from '../vault-client';

type Values = Record<string, unknown>;

/** Create or edit one record; the form is generated from the entity type config. */
export function RecordEditor({ type, id, prefill }: { type: string; id?: string; prefill: Record<string, string> }) {
  const t = entityType(type);
  return t ? <Editor t={t} id={id} prefill={prefill} /> : <p>Unknown section.</p>;
}

function Editor({ t, id, prefill }: { t: EntityTypeDef; id?: string; prefill: Record<string, string> }) {
  const [values, setValues] = useState<Values | null>(id ? null : { ...prefill });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [viewing, setViewing] = useState<AttachmentMeta | null>(null);
  const [author, setAuthor] = useState<string | null>(null);

  useEffect(() => {
    if (id)
      vault
        .getRecord(t.name, id)
        .then((r: RecordView) => (setValues(r.values), setAuthor(r.by)))
        .catch((e: unknown) => setMessage(describeError(e)));
  }, [t.name, id]);

  if (!values) return <p role={message ? 'alert' : undefined}>{message ?? 'Decrypting…'}</p>;
  const set = (name: string, v: unknown) => setValues({ ...values, [name]: v });

  async function save(e: Event) {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await goAfter(() => vault.putRecord(t.name, values!, id), `#/${t.name}`);
    } catch (err) {
      setErrors(isVaultError(err, 'Validation') ? (err.fields ?? {}) : {});
      setMessage(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!id || !confirm(`Delete this ${t.label.toLowerCase()}? This cannot be undone.`)) return;
    try {
      await goAfter(() => vault.deleteRecord(t.name, id), `#/${t.name}`);
    } catch (err) {
      setMessage(describeError(err));
    }
  }

  return (
    <form class="editor" onSubmit={save} aria-busy={busy} aria-labelledby="editor-title" noValidate autocomplete="off">
      <h1 id="editor-title">{id ? `Edit ${t.label.toLowerCase()}` : `New ${t.label.toLowerCase()}`}</h1>
      {author && author !== session.value?.userId && <p class="fine" data-testid="author">Last changed by {session.value?.people[author] ?? 'someone else'}.</p>}
      {t.fields.map((f) => (
        <FieldInput key={f.name} f={f} value={values[f.name]} error={errors[f.name]} onChange={(v) => set(f.name, v)} onView={setViewing} />
      ))}
      {message && (
        <p class="error" role="alert">
          {message}
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" class="ghost" onClick={() => go(`#/${t.name}`)}>
          Cancel
        </button>
        {id && t.name === 'contact' && (
          <a class="button ghost" href={`#/visit/new?contact=${id}`}>
            New visit
          </a>
        )}
        {id && (
          <button type="button" class="danger" onClick={remove}>
            Delete
          </button>
        )}
      </div>
      {viewing && <PhotoViewer meta={viewing} onClose={() => setViewing(null)} />}
    </form>
  );
}

interface InputProps {
  f: FieldDef;
  value: unknown;
  error?: string;
  onChange: (v: unknown) => void;
  onView: (m: AttachmentMeta) => void;
}

function FieldInput({ f, value, error, onChange, onView }: InputProps) {
  const id = `f-${f.name}`;
  const label = f.required ? `${f.label} (required)` : f.label;
  const hint = f.kind === 'tags' ? 'Separate tags with commas.' : undefined;
  const a = describedBy(id, error, hint);
  const text = typeof value === 'string' ? value : '';
  const onInput = (e: { currentTarget: { value: string } }) => onChange(e.currentTarget.value);
  let control;
  switch (f.kind) {
    case 'longtext':
      control = <textarea {...a} rows={4} maxLength={f.maxLength} value={text} onInput={onInput} />;
      break;
    case 'enum':
      control = (
        <select {...a} value={text} onChange={onInput}>
          <option value="">Choose…</option>
          {f.options!.map((o) => (
            <option value={o}>{o}</option>
          ))}
        </select>
      );
      break;
    case 'tags':
      control = (
        <input
          {...a}
          value={Array.isArray(value) ? value.join(', ') : text}
          onChange={(e) => onChange(e.currentTarget.value.split(',').map((s) => s.trim()).filter(Boolean))}
        />
      );
      break;
    case 'ref':
      control = <RefSelect a={a} type={f.refType!} value={text} onChange={onChange} />;
      break;
    case 'photos':
      return <PhotoField id={id} label={label} error={error} value={(value as AttachmentMeta[] | undefined) ?? []} onChange={onChange} onView={onView} />;
    default: {
      const type = f.kind === 'email' ? 'email' : f.kind === 'phone' ? 'tel' : f.kind === 'date' ? 'date' : 'text';
      control = <input {...a} type={type} maxLength={f.maxLength} value={text} onInput={onInput} />;
    }
  }
  return (
    <Field id={id} label={label} error={error} hint={hint}>
      {control}
    </Field>
  );
}

function RefSelect({ a, type, value, onChange }: { a: object; type: string; value: string; onChange: (v: string) => void }) {
  const t = entityType(type)!;
  const [options, setOptions] = useState<RecordView[]>([]);
  useEffect(() => {
    vault
      .query({ type, sort: t.defaultSort, limit: 10_000 })
      .then((r) => setOptions(r.items))
      .catch(() => setOptions([]));
  }, [type]);
  return (
    <select {...a} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="">Choose {t.label.toLowerCase()}…</option>
      {options.map((o) => (
        <option value={o.id}>{String(o.values[t.titleField] ?? o.id)}</option>
      ))}
    </select>
  );
}

function PhotoField(props: { id: string; label: string; error?: string; value: AttachmentMeta[]; onChange: (v: AttachmentMeta[]) => void; onView: (m: AttachmentMeta) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function add(files: FileList | null) {
    if (!files?.length) return;
    setBusy(true);
    setError(null);
    const added: AttachmentMeta[] = [];
    try {
      for (const file of Array.from(files)) added.push(await vault.putAttachment(file, file.name));
    } catch (e) {
      setError(describeError(e));
    } finally {
      props.onChange([...props.value, ...added]);
      setBusy(false);
    }
  }
  return (
    <fieldset class="photos" aria-describedby={props.error || error ? `${props.id}-error` : undefined}>
      <legend>{props.label}</legend>
      <div class="thumbs">
        {props.value.map((m) => (
          <PhotoThumb key={m.id} meta={m} onOpen={() => props.onView(m)} onRemove={() => props.onChange(props.value.filter((x) => x.id !== m.id))} />
        ))}
      </div>
      <label class="button ghost" for={props.id}>
        {busy ? 'Encrypting…' : 'Add photo'}
      </label>
      <input id={props.id} class="visually-hidden" type="file" accept="image/*" capture="environment" multiple disabled={busy} onChange={(e) => void add(e.currentTarget.files)} />
      {(props.error || error) && (
        <small id={`${props.id}-error`} class="error" role="alert">
          {props.error ?? error}
        </small>
      )}
    </fieldset>
  );
}
