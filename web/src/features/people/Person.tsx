// A person's page: what they share with you (fields they hide are simply absent), their posts,
// follow, connect, and block.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { ErrorNote, Loading, Page } from "../../lib/ui";
import { ConnectForm } from "../connections/ConnectForm";
import { PostList } from "../feed/PostList";

export function Person() {
  const { id = "" } = useParams();
  const client = useQueryClient();
  const navigate = useNavigate();
  const path = { params: { path: { user_id: id } } };
  const person = useQuery({ queryKey: ["user", id], queryFn: () => unwrap(api.GET("/v1/users/{user_id}", path)) });
  const [connecting, setConnecting] = useState(false);
  const [following, setFollowing] = useState<boolean | null>(null);
  const follow = useMutation({
    mutationFn: (on: boolean) => (on ? unwrap(api.PUT("/v1/users/{user_id}/follow", path)) : unwrap(api.DELETE("/v1/users/{user_id}/follow", path))),
    onSuccess: (_d, on) => setFollowing(on),
  });
  const block = useMutation({
    mutationFn: () => unwrap(api.POST("/v1/users/{user_id}/block", path)),
    onSuccess: () => {
      client.invalidateQueries();
      navigate("/", { replace: true });
    },
  });
  if (person.isLoading) return <Loading what="Loading profile" />;
  if (!person.data) return <Page title="Not found"><ErrorNote error={person.error} /></Page>;
  const p = person.data;
  const name = p.display_name ?? "Someone";
  return (
    <Page title={name}>
      <div className="card">
        {p.headline && <p className="lead">{p.headline}</p>}
        <dl className="facts">
          {p.profession && (<><dt>Profession</dt><dd>{p.profession}</dd></>)}
          {p.neighbourhood && (<><dt>Neighbourhood</dt><dd>{[p.neighbourhood, p.city].filter(Boolean).join(", ")}</dd></>)}
          {p.skills?.length ? (<><dt>Skills</dt><dd>{p.skills.join(", ")}</dd></>) : null}
          {p.interests?.length ? (<><dt>Interests</dt><dd>{p.interests.join(", ")}</dd></>) : null}
          {p.open_to?.length ? (<><dt>Open to</dt><dd>{p.open_to.join(", ").replaceAll("_", " ")}</dd></>) : null}
        </dl>
        {p.bio && <p>{p.bio}</p>}
        {p.relation !== "self" && (
          <div className="row">
            {p.relation === "connection" ? (
              <span className="badge">Connected</span>
            ) : (
              <button className="primary" onClick={() => setConnecting(true)}>
                Connect
              </button>
            )}
            <button onClick={() => follow.mutate(!following)} aria-pressed={!!following}>
              {following ? "Unfollow" : "Follow"}
            </button>
            <button
              className="danger"
              onClick={() => window.confirm(`Block ${name}? You will no longer see each other anywhere.`) && block.mutate()}
            >
              Block
            </button>
          </div>
        )}
        {connecting && <ConnectForm userId={p.id} name={name} onDone={() => setConnecting(false)} />}
        <ErrorNote error={follow.error ?? block.error} />
      </div>
      <h2>Posts</h2>
      <PostList
        queryKey={["feed", "user", id]}
        load={(cursor) => unwrap(api.GET("/v1/users/{user_id}/posts", { params: { path: { user_id: id }, query: { cursor } } }))}
        empty={`${name} has not posted anything you can see yet.`}
      />
    </Page>
  );
}
