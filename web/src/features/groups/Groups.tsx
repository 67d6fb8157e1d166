// Groups by profession or topic: browse, start one, join (or ask to, where a moderator
// approves), and post to the members.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { api, unwrap, type components } from "../../api/client";
import { CITY } from "../../lib/places";
import { Empty, ErrorNote, Field, Loading, Page } from "../../lib/ui";
import { Composer } from "../feed/Composer";
import { PostList } from "../feed/PostList";

type Access = components["schemas"]["GroupAccess"];

function NewGroup() {
  const client = useQueryClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [access, setAccess] = useState<Access>("public");
  const create = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/groups", { body: { name, description: description || null, access, city: CITY } })),
    onSuccess: () => {
      setName("");
      setDescription("");
      client.invalidateQueries({ queryKey: ["groups"] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <details className="card">
      <summary>Start a group</summary>
      <form onSubmit={submit}>
        <Field label="Group name">{(id) => <input id={id} required value={name} onChange={(e) => setName(e.target.value)} />}</Field>
        <Field label="What it is about">{(id) => <textarea id={id} rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />}</Field>
        <Field label="Who can join">
          {(id) => (
            <select id={id} value={access} onChange={(e) => setAccess(e.target.value as Access)}>
              <option value="public">Anyone</option>
              <option value="approval">People a moderator approves</option>
            </select>
          )}
        </Field>
        <ErrorNote error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create group
        </button>
      </form>
    </details>
  );
}

export function Groups() {
  const groups = useQuery({ queryKey: ["groups"], queryFn: () => unwrap(api.GET("/v1/groups")) });
  return (
    <Page title="Groups">
      <NewGroup />
      {groups.isLoading && <Loading />}
      <ErrorNote error={groups.error} />
      {groups.data && groups.data.items.length === 0 && <Empty>No groups yet: start the first one.</Empty>}
      <ul className="cards">
        {groups.data?.items.map((g) => (
          <li key={g.id} className="card">
            <h2>
              <Link to={`/groups/${g.id}`}>{g.name}</Link>
            </h2>
            <p className="meta">
              {g.member_count} members{g.city ? ` · ${g.city}` : ""}
              {g.my_status ? ` · you are ${g.my_status === "pending" ? "waiting for approval" : "a member"}` : ""}
            </p>
            {g.description && <p>{g.description}</p>}
          </li>
        ))}
      </ul>
    </Page>
  );
}

export function Group() {
  const { id = "" } = useParams();
  const client = useQueryClient();
  const path = { params: { path: { group_id: id } } };
  const group = useQuery({ queryKey: ["group", id], queryFn: () => unwrap(api.GET("/v1/groups/{group_id}", path)) });
  const membership = useMutation({
    mutationFn: (join: boolean) =>
      join ? unwrap(api.PUT("/v1/groups/{group_id}/membership", path)) : unwrap(api.DELETE("/v1/groups/{group_id}/membership", path)),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ["group", id] });
      client.invalidateQueries({ queryKey: ["groups"] });
    },
  });
  if (group.isLoading) return <Loading />;
  if (!group.data) return <Page title="Group"><ErrorNote error={group.error} /></Page>;
  const g = group.data;
  const key = ["feed", "group", id];
  return (
    <Page title={g.name}>
      <div className="card">
        {g.description && <p>{g.description}</p>}
        <p className="meta">{g.member_count} members</p>
        {g.my_status === "member" ? (
          <button onClick={() => membership.mutate(false)}>Leave group</button>
        ) : g.my_status === "pending" ? (
          <p role="status">Waiting for a moderator to approve you.</p>
        ) : (
          <button className="primary" onClick={() => membership.mutate(true)}>
            {g.access === "approval" ? "Ask to join" : "Join group"}
          </button>
        )}
        <ErrorNote error={membership.error} />
      </div>
      {g.my_status === "member" && <Composer groupId={id} invalidate={key} />}
      <PostList
        queryKey={key}
        load={(cursor) => unwrap(api.GET("/v1/groups/{group_id}/posts", { params: { path: { group_id: id }, query: { cursor } } }))}
        empty="No posts in this group yet."
      />
    </Page>
  );
}
