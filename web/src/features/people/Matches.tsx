// People you should meet, each with the reasons in words; connect (with an editable note) or
// dismiss.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { Empty, ErrorNote, Loading, Page } from "../../lib/ui";
import { ConnectForm } from "../connections/ConnectForm";

export function Matches() {
  const client = useQueryClient();
  const matches = useQuery({ queryKey: ["matches"], queryFn: () => unwrap(api.GET("/v1/matches")) });
  const [connecting, setConnecting] = useState<string | null>(null);
  const [sent, setSent] = useState<{ id: string; name: string } | null>(null);
  const dismiss = useMutation({
    mutationFn: (userId: string) => unwrap(api.POST("/v1/matches/{user_id}/dismiss", { params: { path: { user_id: userId } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["matches"] }),
  });
  return (
    <Page title="People you should meet">
      {matches.isLoading && <Loading what="Finding job friends" />}
      <ErrorNote error={matches.error ?? dismiss.error} />
      {matches.data?.hint && <p className="lead">{matches.data.hint}</p>}
      {sent && (
        <p role="status" className="card">
          Request sent to {sent.name}. You will hear when they answer.
        </p>
      )}
      {matches.data && matches.data.items.length === 0 && (
        <Empty>
          No suggestions yet. Complete <Link to="/welcome">your profile</Link> and check back soon.
        </Empty>
      )}
      <ul className="cards">
        {matches.data?.items.map((m) => {
          const name = m.display_name ?? "Someone";
          return (
            <li key={m.user_id} className="card">
              <h2>
                <Link to={`/people/${m.user_id}`}>{name}</Link>
              </h2>
              <p className="meta">{[m.profession_label, m.city].filter(Boolean).join(" · ")}</p>
              <p className="reason">{m.sentence}</p>
              {connecting === m.user_id ? (
                <ConnectForm
                  userId={m.user_id}
                  name={name}
                  onDone={() => {
                    setConnecting(null);
                    setSent({ id: m.user_id, name });
                  }}
                />
              ) : (
                <div className="row">
                  <button className="primary" onClick={() => setConnecting(m.user_id)} aria-label={`Connect with ${name}`}>
                    Connect
                  </button>
                  <button onClick={() => dismiss.mutate(m.user_id)} aria-label={`Not now: ${name}`}>
                    Not now
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </Page>
  );
}
