// First steps after sign-up (and the profile editor later): what you do, what you know, where
// you are and what you are open to, each with who may see it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { api, unwrap, type components } from "../../api/client";
import { useMe } from "../auth/api";
import { CITY, NEIGHBOURHOODS, TIME_ZONE } from "../../lib/places";
import { ErrorNote, Field, Loading, Page, splitList } from "../../lib/ui";

type OpenTo = components["schemas"]["OpenTo"];
type Visibility = components["schemas"]["Visibility"];
const OPEN_TO: [OpenTo, string][] = [
  ["new_friends", "New job friends"],
  ["collaborating", "Collaborating"],
  ["mentoring", "Mentoring someone"],
  ["being_mentored", "Being mentored"],
  ["job_search", "I am looking for a job"],
  ["hiring", "I am hiring"],
];
const FIELDS: [keyof NonNullable<components["schemas"]["ProfilePatch"]["visibility"]>, string][] = [
  ["about", "About me"],
  ["skills", "Skills"],
  ["location", "Neighbourhood"],
  ["open_to", "Open to"],
];

export function useProfessions() {
  return useQuery({
    queryKey: ["professions"],
    queryFn: () => unwrap(api.GET("/v1/professions")) as Promise<Record<string, string>>,
    staleTime: Infinity,
  });
}

export function Onboarding() {
  const me = useMe();
  const professions = useProfessions();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [headline, setHeadline] = useState("");
  const [profession, setProfession] = useState("");
  const [skills, setSkills] = useState("");
  const [interests, setInterests] = useState("");
  const [neighbourhood, setNeighbourhood] = useState("");
  const [openTo, setOpenTo] = useState<OpenTo[]>([]);
  const [visibility, setVisibility] = useState<Record<string, Visibility>>({});
  useEffect(() => {
    const p = me.data;
    if (!p) return;
    setHeadline(p.headline ?? "");
    setProfession(p.profession ?? "");
    setSkills((p.skills ?? []).join(", "));
    setInterests((p.interests ?? []).join(", "));
    setNeighbourhood(p.neighbourhood ?? "");
    setOpenTo(p.open_to ?? []);
    setVisibility(p.visibility ?? {});
  }, [me.data]);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH("/v1/me", {
          body: {
            headline: headline || null,
            profession: profession || null,
            skills: splitList(skills),
            interests: splitList(interests),
            city: CITY,
            time_zone: TIME_ZONE,
            neighbourhood: neighbourhood || null,
            location: NEIGHBOURHOODS[neighbourhood] ?? null,
            open_to: openTo,
            visibility,
          },
        }),
      ),
    onSuccess: (data) => {
      client.setQueryData(["me"], data);
      client.invalidateQueries({ queryKey: ["matches"] });
      navigate("/people");
    },
  });
  if (me.isLoading || professions.isLoading) return <Loading what="Loading your profile" />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const toggle = (value: OpenTo) =>
    setOpenTo((current) => (current.includes(value) ? current.filter((v) => v !== value) : [...current, value]));
  return (
    <Page title="Your profile">
      <p className="lead">Tell people what you do, so we can suggest job friends who share it.</p>
      <ErrorNote error={professions.error} />
      <form className="card" onSubmit={submit}>
        <Field label="Profession">
          {(id) => (
            <select id={id} value={profession} onChange={(e) => setProfession(e.target.value)} required>
              <option value="">Choose your profession</option>
              {Object.entries(professions.data ?? {}).map(([slug, label]) => (
                <option key={slug} value={slug}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Headline" hint="One line about you, e.g. “UX designer who loves accessible forms”.">
          {(id, hint) => <input id={id} aria-describedby={hint} value={headline} onChange={(e) => setHeadline(e.target.value)} />}
        </Field>
        <Field label="Skills" hint="Separate them with commas.">
          {(id, hint) => <input id={id} aria-describedby={hint} value={skills} onChange={(e) => setSkills(e.target.value)} />}
        </Field>
        <Field label="Interests" hint="Separate them with commas.">
          {(id, hint) => <input id={id} aria-describedby={hint} value={interests} onChange={(e) => setInterests(e.target.value)} />}
        </Field>
        <Field label={`Neighbourhood in ${CITY}`}>
          {(id) => (
            <select id={id} value={neighbourhood} onChange={(e) => setNeighbourhood(e.target.value)}>
              <option value="">Choose a neighbourhood</option>
              {Object.keys(NEIGHBOURHOODS).map((name) => (
                <option key={name}>{name}</option>
              ))}
            </select>
          )}
        </Field>
        <fieldset>
          <legend>I am open to</legend>
          {OPEN_TO.map(([value, label]) => (
            <label key={value} className="check">
              <input type="checkbox" checked={openTo.includes(value)} onChange={() => toggle(value)} /> {label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Who can see it</legend>
          {FIELDS.map(([field, label]) => (
            <Field key={field} label={`${label}: who can see it`}>
              {(id) => (
                <select
                  id={id}
                  value={visibility[field] ?? "public"}
                  onChange={(e) => setVisibility({ ...visibility, [field]: e.target.value as Visibility })}
                >
                  <option value="public">Everyone</option>
                  <option value="connections">My connections</option>
                </select>
              )}
            </Field>
          ))}
        </fieldset>
        <ErrorNote error={save.error} />
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save and meet people"}
        </button>
      </form>
    </Page>
  );
}
