// One event: when and where, who is going among people you know, RSVP (a full event puts you
// on the waitlist and says your place), add it to your calendar, and, for the host, cancel.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { PersonName } from "../../lib/PersonName";
import { ErrorNote, Loading, Page, when } from "../../lib/ui";
import { useMe } from "../auth/api";

type Answer = "going" | "interested" | "not_going";

function rsvpText(status: string | null | undefined, position: number | null | undefined): string {
  if (status === "going") return "You are going.";
  if (status === "waitlisted") return `You are on the waitlist${position ? `, number ${position}` : ""}.`;
  if (status === "interested") return "You are interested.";
  return "You have not answered yet.";
}

export function EventDetail() {
  const { id = "" } = useParams();
  const me = useMe();
  const client = useQueryClient();
  const path = { params: { path: { event_id: id } } };
  const event = useQuery({ queryKey: ["event", id], queryFn: () => unwrap(api.GET("/v1/events/{event_id}", path)) });
  const going = useQuery({
    queryKey: ["event", id, "attendees"],
    queryFn: () => unwrap(api.GET("/v1/events/{event_id}/attendees", { params: { path: { event_id: id }, query: { status: "going" } } })),
  });
  const refresh = () => client.invalidateQueries({ queryKey: ["event", id] });
  const rsvp = useMutation({
    mutationFn: (status: Answer) =>
      status === "not_going"
        ? unwrap(api.DELETE("/v1/events/{event_id}/rsvp", path))
        : unwrap(api.PUT("/v1/events/{event_id}/rsvp", { ...path, body: { status } })),
    onSuccess: refresh,
  });
  const cancel = useMutation({ mutationFn: () => unwrap(api.POST("/v1/events/{event_id}/cancel", path)), onSuccess: refresh });
  if (event.isLoading) return <Loading what="Loading the event" />;
  if (!event.data) return <Page title="Event"><ErrorNote error={event.error} /></Page>;
  const e = event.data;
  const mine = e.my_rsvp;
  const isHost = me.data?.id === e.host_id;
  return (
    <Page title={e.title}>
      <div className="card">
        {e.status === "cancelled" && <p className="state error" role="alert">This event is cancelled.</p>}
        <dl className="facts">
          <dt>When</dt>
          <dd>
            {when(e.starts_at)} – {when(e.ends_at)}
          </dd>
          <dt>Where</dt>
          <dd>{[e.venue_name, e.address, e.neighbourhood, e.city].filter(Boolean).join(", ") || e.online_url || "To be announced"}</dd>
          <dt>Host</dt>
          <dd>
            <PersonName id={e.host_id} />
          </dd>
          <dt>Seats</dt>
          <dd>
            {e.going} going{e.capacity ? ` of ${e.capacity}` : ""}
            {e.waitlisted ? `, ${e.waitlisted} on the waitlist` : ""}
          </dd>
        </dl>
        {e.description && <p>{e.description}</p>}
        <p role="status" className="rsvp-state">
          {rsvpText(mine.status, mine.position)}
        </p>
        {e.status !== "cancelled" && (
          <div className="row" role="group" aria-label="Your answer">
            <button className="primary" aria-pressed={mine.status === "going" || mine.status === "waitlisted"} onClick={() => rsvp.mutate("going")}>
              Going
            </button>
            <button aria-pressed={mine.status === "interested"} onClick={() => rsvp.mutate("interested")}>
              Interested
            </button>
            {mine.status && <button onClick={() => rsvp.mutate("not_going")}>Not going</button>}
            <a className="button" href={`/v1/events/${e.id}.ics`} download>
              Add to calendar
            </a>
            {isHost && (
              <button className="danger" onClick={() => window.confirm("Cancel this event for everyone?") && cancel.mutate()}>
                Cancel event
              </button>
            )}
          </div>
        )}
        <ErrorNote error={rsvp.error ?? cancel.error} />
      </div>
      <section className="card" aria-labelledby="going-title">
        <h2 id="going-title">Who is going</h2>
        {e.friends_going?.length ? (
          <p>
            Your connections:{" "}
            {e.friends_going.map((f, i) => (
              <span key={f}>
                {i > 0 && ", "}
                <PersonName id={f} />
              </span>
            ))}
          </p>
        ) : null}
        {going.isLoading && <Loading />}
        <ErrorNote error={going.error} />
        <ul className="inline-list">
          {going.data?.items.map((a) => (
            <li key={a.user_id}>
              <PersonName id={a.user_id} />
            </li>
          ))}
        </ul>
        {going.data && going.data.items.length === 0 && <p>Nobody yet: be the first.</p>}
      </section>
    </Page>
  );
}
