// One post: who, what kind, the text with its hashtags as links, emoji reactions (optimistic,
// rolled back if refused) and one level of comments.
import { useMutation, useQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type components } from "../../api/client";
import { ErrorNote, Field, Loading, when } from "../../lib/ui";

export type Post = components["schemas"]["PostOut"];
type Emoji = components["schemas"]["Emoji"];
type FeedPage = components["schemas"]["Page_PostOut_"];

export const EMOJI: [Emoji, string, string][] = [
  ["like", "👍", "Like"],
  ["celebrate", "🎉", "Celebrate"],
  ["support", "🤝", "Support"],
  ["insightful", "💡", "Insightful"],
  ["funny", "😄", "Funny"],
  ["love", "❤️", "Love"],
];
const KIND: Record<string, string> = {
  update: "Update",
  tip: "Tip",
  portfolio: "Portfolio",
  milestone: "Milestone",
  help_request: "Help request",
  question: "Question",
};

function withTags(text: string): ReactNode[] {
  return text.split(/(#[\p{L}\p{N}_]+)/u).map((part, i) =>
    part.startsWith("#") ? (
      <Link key={i} to={`/tags/${encodeURIComponent(part.slice(1).toLowerCase())}`}>
        {part}
      </Link>
    ) : (
      part
    ),
  );
}

function patchPost(data: InfiniteData<FeedPage> | undefined, id: string, change: Partial<Post>) {
  if (!data) return data;
  return { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.map((x) => (x.id === id ? { ...x, ...change } : x)) })) };
}

function Comments({ post }: { post: Post }) {
  const client = useQueryClient();
  const key = ["comments", post.id];
  const comments = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET("/v1/posts/{post_id}/comments", { params: { path: { post_id: post.id } } })),
  });
  const [text, setText] = useState("");
  const add = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/posts/{post_id}/comments", { params: { path: { post_id: post.id } }, body: { text } })),
    onSuccess: () => {
      setText("");
      client.invalidateQueries({ queryKey: key });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <div className="comments">
      {comments.isLoading && <Loading what="Loading comments" />}
      <ErrorNote error={comments.error ?? add.error} />
      <ul>
        {comments.data?.items.map((c) => (
          <li key={c.id}>
            <Link to={`/people/${c.author.id}`}>{c.author.display_name ?? "Someone"}</Link>: {c.text}
          </li>
        ))}
      </ul>
      <form onSubmit={submit} className="row">
        <Field label="Write a comment">
          {(id) => <input id={id} value={text} onChange={(e) => setText(e.target.value)} required />}
        </Field>
        <button type="submit" disabled={add.isPending}>
          Comment
        </button>
      </form>
    </div>
  );
}

export function PostCard({ post, queryKey }: { post: Post; queryKey: unknown[] }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const react = useMutation({
    mutationFn: (emoji: Emoji | null) =>
      emoji
        ? unwrap(api.PUT("/v1/posts/{post_id}/reaction", { params: { path: { post_id: post.id } }, body: { emoji } }))
        : unwrap(api.DELETE("/v1/posts/{post_id}/reaction", { params: { path: { post_id: post.id } } })),
    onMutate: async (emoji) => {
      await client.cancelQueries({ queryKey });
      const before = client.getQueryData<InfiniteData<FeedPage>>(queryKey);
      const counts = { ...post.reactions };
      if (post.my_reaction) counts[post.my_reaction] = Math.max(0, (counts[post.my_reaction] ?? 1) - 1);
      if (emoji) counts[emoji] = (counts[emoji] ?? 0) + 1;
      client.setQueryData(queryKey, patchPost(before, post.id, { my_reaction: emoji, reactions: counts }));
      return { before };
    },
    onError: (_e, _v, context) => client.setQueryData(queryKey, context?.before),
    onSuccess: (out) =>
      client.setQueryData<InfiniteData<FeedPage>>(queryKey, (d) =>
        patchPost(d, post.id, { my_reaction: out.my_reaction ?? null, reactions: out.reactions }),
      ),
  });
  const author = post.author.display_name ?? "Someone";
  return (
    <article className={`card post kind-${post.kind}`} aria-labelledby={`post-${post.id}`}>
      <header>
        <h2 id={`post-${post.id}`} className="post-author">
          <Link to={`/people/${post.author.id}`}>{author}</Link>
        </h2>
        <span className="badge">{KIND[post.kind] ?? post.kind}</span>
        <span className="meta">
          {post.author.profession ? `${post.author.profession} · ` : ""}
          <time dateTime={post.created_at}>{when(post.created_at)}</time>
        </span>
      </header>
      <p className="post-text">{withTags(post.text)}</p>
      <div className="reactions" role="group" aria-label={`React to ${author}'s post`}>
        {EMOJI.map(([emoji, glyph, label]) => {
          const count = post.reactions[emoji] ?? 0;
          const mine = post.my_reaction === emoji;
          return (
            <button
              key={emoji}
              aria-pressed={mine}
              aria-label={`${label} (${count})`}
              className={mine ? "reaction mine" : "reaction"}
              onClick={() => react.mutate(mine ? null : emoji)}
            >
              <span aria-hidden="true">{glyph}</span> {count > 0 ? count : ""}
            </button>
          );
        })}
        <button aria-expanded={open} onClick={() => setOpen(!open)}>
          Comments ({post.comment_count})
        </button>
      </div>
      <ErrorNote error={react.error} />
      {open && <Comments post={post} />}
    </article>
  );
}
