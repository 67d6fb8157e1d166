// Write a post: its kind (a help request goes to your tribe first), text with #hashtags.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, unwrap, type components } from "../../api/client";
import { ErrorNote, Field } from "../../lib/ui";

type Kind = components["schemas"]["PostKind"];
const KINDS: [Kind, string][] = [
  ["update", "Update"],
  ["tip", "Tip"],
  ["help_request", "Help request"],
  ["question", "Question"],
  ["portfolio", "Portfolio"],
];

export function Composer({ groupId, invalidate }: { groupId?: string; invalidate: unknown[] }) {
  const client = useQueryClient();
  const [text, setText] = useState("");
  const [kind, setKind] = useState<Kind>("update");
  const post = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST("/v1/posts", {
          body: groupId ? { text, kind, visibility: "group", group_id: groupId } : { text, kind, visibility: "public" },
        }),
      ),
    onSuccess: () => {
      setText("");
      setKind("update");
      client.invalidateQueries({ queryKey: invalidate });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    post.mutate();
  };
  return (
    <form className="card composer" onSubmit={submit}>
      <Field label="Share with your job friends" hint="Use #hashtags so people who follow them find it.">
        {(id, hint) => <textarea id={id} aria-describedby={hint} rows={3} required value={text} onChange={(e) => setText(e.target.value)} />}
      </Field>
      <div className="row">
        <Field label="Kind of post">
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              {KINDS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={post.isPending || !text.trim()}>
          {post.isPending ? "Posting…" : "Post"}
        </button>
      </div>
      <ErrorNote error={post.error} />
      {post.isSuccess && <p role="status">Posted.</p>}
    </form>
  );
}
