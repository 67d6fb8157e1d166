// Your connections and your tribe: the 15–30 job friends whose posts you support and who
// support yours; a keep-in-touch cadence per person (about once a month, never more often
// than you choose).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, unwrap, type components } from "../../api/client";
import { Empty, ErrorNote, Field, Loading, Page } from "../../lib/ui";

type Cadence = components["schemas"]["Cadence"];
const CADENCES: [Cadence, string][] = [
  ["weekly", "Every week"],
  ["monthly", "Every month"],
  ["quarterly", "Every three months"],
  ["none", "No reminders"],
];

export function Connections() {
  const client = useQueryClient();
  const connections = useQuery({ queryKey: ["connections"], queryFn: () => unwrap(api.GET("/v1/connections")) });
  const tribe = useQuery({ queryKey: ["tribe"], queryFn: () => unwrap(api.GET("/v1/tribe")) });
  const refresh = () => {
    client.invalidateQueries({ queryKey: ["connections"] });
    client.invalidateQueries({ queryKey: ["tribe"] });
  };
  const setTribe = useMutation({
    mutationFn: ({ userId, add }: { userId: string; add: boolean }) =>
      add
        ? unwrap(api.PUT("/v1/tribe/{user_id}", { params: { path: { user_id: userId } } }))
        : unwrap(api.DELETE("/v1/tribe/{user_id}", { params: { path: { user_id: userId } } })),
    onSuccess: refresh,
  });
  const cadence = useMutation({
    mutationFn: ({ userId, value }: { userId: string; value: Cadence }) =>
      unwrap(api.PUT("/v1/connections/{user_id}/cadence", { params: { path: { user_id: userId } }, body: { cadence: value } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (userId: string) => unwrap(api.DELETE("/v1/connections/{user_id}", { params: { path: { user_id: userId } } })),
    onSuccess: refresh,
  });
  return (
    <Page title="Connections">
      <section aria-labelledby="tribe-title" className="card">
        <h2 id="tribe-title">Your tribe</h2>
        {tribe.isLoading && <Loading />}
        <ErrorNote error={tribe.error} />
        {tribe.data && (
          <>
            <p>{tribe.data.progress.message}</p>
            <progress max={tribe.data.progress.max} value={tribe.data.progress.count} aria-label="Tribe size">
              {tribe.data.progress.count}
            </progress>
            {tribe.data.members.length === 0 ? (
              <Empty>Add connections to your tribe below: they see your help requests first.</Empty>
            ) : (
              <ul className="inline-list">
                {tribe.data.members.map((m) => (
                  <li key={m.user_id}>
                    <Link to={`/people/${m.user_id}`}>{m.display_name ?? "Someone"}</Link>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>
      <h2>Connected with</h2>
      {connections.isLoading && <Loading />}
      <ErrorNote error={connections.error ?? setTribe.error ?? cadence.error ?? remove.error} />
      {connections.data && connections.data.items.length === 0 && (
        <Empty>
          No connections yet. <Link to="/people">Meet people</Link> who share your profession.
        </Empty>
      )}
      <ul className="cards">
        {connections.data?.items.map((c) => {
          const name = c.display_name ?? "Someone";
          return (
            <li key={c.user_id} className="card">
              <h3>
                <Link to={`/people/${c.user_id}`}>{name}</Link> {c.in_tribe && <span className="badge">tribe</span>}
              </h3>
              <p className="meta">{[c.profession_label, c.city].filter(Boolean).join(" · ")}</p>
              <Field label={`Keep in touch with ${name}`}>
                {(id) => (
                  <select id={id} value={c.cadence} onChange={(e) => cadence.mutate({ userId: c.user_id, value: e.target.value as Cadence })}>
                    {CADENCES.map(([value, label]) => (
                      <option key={value} value={value}>
                        {label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <div className="row">
                <button onClick={() => setTribe.mutate({ userId: c.user_id, add: !c.in_tribe })}>
                  {c.in_tribe ? `Remove ${name} from tribe` : `Add ${name} to tribe`}
                </button>
                <button className="danger" onClick={() => window.confirm(`Remove ${name} from your connections?`) && remove.mutate(c.user_id)}>
                  Disconnect
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </Page>
  );
}
