// Meetups, workshops and talks near you: search, filter to those your connections go to,
// and host your own.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type components } from "../../api/client";
import { NEIGHBOURHOODS } from "../../lib/places";
import { Empty, ErrorNote, Field, Loading, Page } from "../../lib/ui";
import { useMe } from "../auth/api";

type Kind = components["schemas"]["EventKind"];
export const KINDS: Kind[] = ["meetup", "workshop", "talk", "conference", "coworking", "networking", "online"];

export function Events() {
  const me = useMe();
  const home = me.data?.neighbourhood ? NEIGHBOURHOODS[me.data.neighbourhood] : undefined;
  const [q, setQ] = useState("");
  const [kind, setKind] = useState<Kind | "">("");
  const [friends, setFriends] = useState(false);
  const [query, setQuery] = useState({ q: "", kind: "" as Kind | "", friends: false });
  const events = useInfiniteQuery({
    queryKey: ["events", query, home],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/v1/events", {
          params: {
            query: {
              cursor: pageParam,
              q: query.q || undefined,
              kind: query.kind || undefined,
              friends: query.friends,
              near: home ? `${home.lat},${home.lon}` : undefined,
              radius_km: 25,
            },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ q, kind, friends });
  };
  const items = events.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Page title="Events" actions={<Link className="button primary" to="/events/new">Host an event</Link>}>
      <form className="card row filters" onSubmit={submit} role="search">
        <Field label="Search events">{(id) => <input id={id} type="search" value={q} onChange={(e) => setQ(e.target.value)} />}</Field>
        <Field label="Kind">
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.target.value as Kind | "")}>
              <option value="">Any kind</option>
              {KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          )}
        </Field>
        <label className="check">
          <input type="checkbox" checked={friends} onChange={(e) => setFriends(e.target.checked)} /> Only where my connections go
        </label>
        <button type="submit">Search</button>
      </form>
      {events.isLoading && <Loading what="Finding events" />}
      <ErrorNote error={events.error} />
      {events.isSuccess && items.length === 0 && <Empty>No events match. Host one: people are waiting for a reason to meet.</Empty>}
      <ul className="cards">
        {items.map((e) => (
          <li key={e.id} className="card">
            <h2>
              <Link to={`/events/${e.id}`}>{e.title}</Link>
            </h2>
            <p className="meta">
              {e.kind} · {new Date(e.starts_at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}
              {e.neighbourhood ? ` · ${e.neighbourhood}` : ""}
              {e.distance_km != null ? ` · ${e.distance_km.toFixed(1)} km` : ""}
              {e.status === "cancelled" ? " · cancelled" : ""}
            </p>
            {e.friends_going?.length ? <p>{e.friends_going.length} of your connections are going</p> : null}
          </li>
        ))}
      </ul>
      {events.hasNextPage && (
        <button onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
          More events
        </button>
      )}
    </Page>
  );
}
