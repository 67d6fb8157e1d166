// A connection request says why: the note is drafted by matching from what you share, and you
// edit it before it goes ("No tricks! Be very direct.").
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { api, unwrap } from "../../api/client";
import { ErrorNote, Field } from "../../lib/ui";

export function ConnectForm({ userId, name, onDone }: { userId: string; name: string; onDone: () => void }) {
  const client = useQueryClient();
  const draft = useQuery({
    queryKey: ["draft", userId],
    queryFn: () => unwrap(api.GET("/v1/connections/requests/draft", { params: { query: { to_user_id: userId } } })),
  });
  const [note, setNote] = useState("");
  useEffect(() => {
    if (draft.data) setNote(draft.data.note);
  }, [draft.data]);
  const send = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/connections/requests", { body: { to_user_id: userId, note } })),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ["requests"] });
      client.invalidateQueries({ queryKey: ["matches"] });
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate();
  };
  return (
    <form className="connect" onSubmit={submit}>
      <Field label={`Your note to ${name}`} hint="Say why you would like to connect.">
        {(id, hint) => (
          <textarea id={id} aria-describedby={hint} rows={3} required value={note} onChange={(e) => setNote(e.target.value)} />
        )}
      </Field>
      <ErrorNote error={draft.error ?? send.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={send.isPending || !note}>
          Send request
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
