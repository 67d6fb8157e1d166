// Requests to you (accept or decline) and from you (withdraw), each with its note.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { Empty, ErrorNote, Loading, Page, when } from "../../lib/ui";

type Direction = "incoming" | "outgoing";
type Action = "accept" | "decline" | "withdraw";

function RequestList({ direction }: { direction: Direction }) {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: ["requests", direction],
    queryFn: () => unwrap(api.GET("/v1/connections/requests", { params: { query: { direction } } })),
  });
  const act = useMutation({
    mutationFn: ({ id, action }: { id: string; action: Action }) =>
      unwrap(api.POST("/v1/connections/requests/{request_id}/{action}", { params: { path: { request_id: id, action } } })),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ["requests"] });
      client.invalidateQueries({ queryKey: ["connections"] });
    },
  });
  const pending = list.data?.items.filter((r) => r.state === "pending") ?? [];
  return (
    <section aria-labelledby={`requests-${direction}`}>
      <h2 id={`requests-${direction}`}>{direction === "incoming" ? "Asking to connect with you" : "You asked"}</h2>
      {list.isLoading && <Loading />}
      <ErrorNote error={list.error ?? act.error} />
      {list.data && pending.length === 0 && <Empty>{direction === "incoming" ? "No requests waiting." : "Nothing pending."}</Empty>}
      <ul className="cards">
        {pending.map((r) => {
          const name = r.other.display_name ?? "Someone";
          return (
            <li key={r.id} className="card">
              <h3>
                <Link to={`/people/${r.other.user_id}`}>{name}</Link>
              </h3>
              <p className="meta">
                {[r.other.profession_label, r.other.city].filter(Boolean).join(" · ")} · {when(r.created_at)}
              </p>
              <blockquote>{r.note}</blockquote>
              <div className="row">
                {direction === "incoming" ? (
                  <>
                    <button className="primary" onClick={() => act.mutate({ id: r.id, action: "accept" })} aria-label={`Accept ${name}`}>
                      Accept
                    </button>
                    <button onClick={() => act.mutate({ id: r.id, action: "decline" })} aria-label={`Decline ${name}`}>
                      Decline
                    </button>
                  </>
                ) : (
                  <button onClick={() => act.mutate({ id: r.id, action: "withdraw" })} aria-label={`Withdraw request to ${name}`}>
                    Withdraw
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function Requests() {
  return (
    <Page title="Requests">
      <RequestList direction="incoming" />
      <RequestList direction="outgoing" />
    </Page>
  );
}
