import { useState } from 'preact/hooks';
import { Field, describedBy } from '../../app/components/Field';
import { api } from '../api';
import { Alert } from '../components/Alert';
import { CommandButtons } from '../components/CommandButtons';
import { PolicyEditor } from '../components/PolicyEditor';
import { summarizePolicy } from '../policy-summary';
import { go, href } from '../router';
import { useLoad } from '../use-load';

/**
 * Device groups (admins): each with its policy in one line and how many
 * devices it holds; #/groups/<id> opens one for its policy editor and the
 * commands to all its devices; a form below creates a group, with a
 * policy from the start if wanted.
 */
export function Groups({ id }: { id?: string | undefined }) {
  const load = useLoad(() => Promise.all([api.groups(), api.devices()]), []);
  const [groups, devices] = load.data ? [load.data[0].groups, load.data[1].devices] : [null, []];
  const selected = id ? groups?.find((g) => g.id === id) : undefined;
  const countOf = (groupId: string) => devices.filter((d) => d.groupId === groupId).length;
  /** Remounts the new-group form after a creation (empty again). */
  const [created, setCreated] = useState(0);
  const [name, setName] = useState('');
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <section>
      <div class="page-head">
        <h1 tabIndex={-1}>Device groups</h1>
        <button type="button" class="ghost small" disabled={load.loading} onClick={() => void load.reload()}>
          Refresh
        </button>
      </div>
      <Alert message={load.error} />
      {!groups ? (
        load.loading && <p class="loading">Loading the groups…</p>
      ) : groups.length === 0 ? (
        <p>No device group yet. Create one below, then move devices into it from their pages.</p>
      ) : (
        <div class="table-wrap">
          <table data-testid="groups">
            <caption class="visually-hidden">Device groups</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="num">
                  Devices
                </th>
                <th scope="col">Policy</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.id} aria-current={g.id === id ? 'true' : undefined}>
                  <th scope="row">
                    <a href={href('groups', g.id)}>{g.name}</a>
                  </th>
                  <td class="num">{countOf(g.id)}</td>
                  <td>{summarizePolicy(g.policy)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {id && groups && !selected && <p>There is no such group.</p>}

      {notice && (
        <p class="ok" role="status">
          {notice}
        </p>
      )}
      {selected && (
        <section class="card" aria-labelledby="group-title" key={selected.id}>
          <h2 id="group-title" tabIndex={-1} data-autofocus>
            {selected.name}
          </h2>
          <h3>Policy</h3>
          <PolicyEditor
            idPrefix="group"
            initial={selected.policy}
            saveLabel="Save policy"
            removable
            save={async (policy) => {
              await api.setGroupPolicy(selected.id, policy);
              void load.reload();
            }}
          />
          <h3>Commands to every device in {selected.name}</h3>
          <CommandButtons target="group" name={selected.name} send={async (kind) => (await api.groupCommand(selected.id, kind)).ids.length} />
        </section>
      )}

      <section class="card" aria-labelledby="new-group-title">
        <h2 id="new-group-title">New device group</h2>
        <PolicyEditor
          key={created}
          idPrefix="new-group"
          initial={null}
          saveLabel="Create group"
          save={async (policy) => {
            const g = await api.createGroup(name.trim(), policy ?? undefined);
            setNotice(`Group ${g.name} created.`);
            setName('');
            setCreated((n) => n + 1);
            await load.reload();
            go(href('groups', g.id));
          }}
        >
          <Field id="new-group-name" label="Group name">
            <input {...describedBy('new-group-name')} required maxLength={100} autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
        </PolicyEditor>
      </section>
    </section>
  );
}
