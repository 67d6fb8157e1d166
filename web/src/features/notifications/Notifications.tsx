// What happened for you: requests, reactions, tribe news, events; unread first, mark read.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { Empty, ErrorNote, Loading, Page, when } from "../../lib/ui";
import { useNotifications } from "./live";

export function Notifications() {
  const client = useQueryClient();
  const list = useNotifications();
  const read = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/notifications/read", { body: { all: true } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["notifications"] }),
  });
  return (
    <Page
      title="Notifications"
      actions={
        list.data?.unread_count ? (
          <button onClick={() => read.mutate()} disabled={read.isPending}>
            Mark all as read
          </button>
        ) : null
      }
    >
      {list.isLoading && <Loading />}
      <ErrorNote error={list.error ?? read.error} />
      {list.data && list.data.items.length === 0 && <Empty>Nothing yet. When people react, ask or invite, you will see it here.</Empty>}
      <ul className="cards" aria-live="polite">
        {list.data?.items.map((n) => (
          <li key={n.id} className={n.read ? "card" : "card unread"}>
            <h2 className="notification-title">
              {!n.read && <span className="visually-hidden">Unread: </span>}
              {n.title}
            </h2>
            <p>{n.body}</p>
            <p className="meta">{when(n.created_at)}</p>
          </li>
        ))}
      </ul>
    </Page>
  );
}
