// Host a meetup: what, when, where, and how many seats (then a waitlist).
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { api, unwrap, type components } from "../../api/client";
import { CITY, NEIGHBOURHOODS, TIME_ZONE } from "../../lib/places";
import { ErrorNote, Field, Page, splitList } from "../../lib/ui";
import { KINDS } from "./Events";

type Kind = components["schemas"]["EventKind"];

function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function HostEvent() {
  const navigate = useNavigate();
  const start = new Date(Date.now() + 7 * 86_400_000);
  start.setHours(18, 30, 0, 0);
  const [title, setTitle] = useState("");
  const [kind, setKind] = useState<Kind>("meetup");
  const [startsAt, setStartsAt] = useState(localInput(start));
  const [hours, setHours] = useState(2);
  const [venue, setVenue] = useState("");
  const [neighbourhood, setNeighbourhood] = useState("");
  const [capacity, setCapacity] = useState("");
  const [topics, setTopics] = useState("");
  const [description, setDescription] = useState("");
  const host = useMutation({
    mutationFn: () => {
      const starts = new Date(startsAt);
      const ends = new Date(starts.getTime() + hours * 3_600_000);
      return unwrap(
        api.POST("/v1/events", {
          body: {
            title,
            kind,
            starts_at: starts.toISOString(),
            ends_at: ends.toISOString(),
            time_zone: TIME_ZONE,
            city: CITY,
            neighbourhood: neighbourhood || null,
            location: NEIGHBOURHOODS[neighbourhood] ?? null,
            venue_name: venue || null,
            capacity: capacity ? Number(capacity) : null,
            topics: splitList(topics),
            description: description || null,
          },
        }),
      );
    },
    onSuccess: (event) => navigate(`/events/${event.id}`),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    host.mutate();
  };
  return (
    <Page title="Host an event">
      <form className="card" onSubmit={submit}>
        <Field label="Title">{(id) => <input id={id} required value={title} onChange={(e) => setTitle(e.target.value)} />}</Field>
        <Field label="Kind">
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              {KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Starts">{(id) => <input id={id} type="datetime-local" required value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />}</Field>
        <Field label="Length in hours">
          {(id) => <input id={id} type="number" min={0.5} max={72} step={0.5} value={hours} onChange={(e) => setHours(Number(e.target.value))} />}
        </Field>
        <Field label="Venue">{(id) => <input id={id} value={venue} onChange={(e) => setVenue(e.target.value)} />}</Field>
        <Field label="Neighbourhood">
          {(id) => (
            <select id={id} value={neighbourhood} onChange={(e) => setNeighbourhood(e.target.value)}>
              <option value="">Choose a neighbourhood</option>
              {Object.keys(NEIGHBOURHOODS).map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Seats" hint="Leave empty for no limit; past it, people join a waitlist.">
          {(id, hint) => <input id={id} aria-describedby={hint} type="number" min={1} value={capacity} onChange={(e) => setCapacity(e.target.value)} />}
        </Field>
        <Field label="Topics" hint="Separate them with commas.">
          {(id, hint) => <input id={id} aria-describedby={hint} value={topics} onChange={(e) => setTopics(e.target.value)} />}
        </Field>
        <Field label="Description">{(id) => <textarea id={id} rows={4} value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
        <ErrorNote error={host.error} />
        <button type="submit" className="primary" disabled={host.isPending}>
          Publish event
        </button>
      </form>
    </Page>
  );
}
