// A hashtag's posts, and following it (its posts then come to your home feed).
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { ErrorNote, Page } from "../../lib/ui";
import { PostList } from "../feed/PostList";

export function Hashtag() {
  const { tag = "" } = useParams();
  const [following, setFollowing] = useState(false);
  const path = { params: { path: { tag } } };
  const follow = useMutation({
    mutationFn: (on: boolean) =>
      on ? unwrap(api.PUT("/v1/hashtags/{tag}/follow", path)) : unwrap(api.DELETE("/v1/hashtags/{tag}/follow", path)),
    onSuccess: (_d, on) => setFollowing(on),
  });
  return (
    <Page
      title={`#${tag}`}
      actions={
        <button aria-pressed={following} onClick={() => follow.mutate(!following)}>
          {following ? `Unfollow #${tag}` : `Follow #${tag}`}
        </button>
      }
    >
      <ErrorNote error={follow.error} />
      <PostList
        queryKey={["feed", "tag", tag]}
        load={(cursor) => unwrap(api.GET("/v1/hashtags/{tag}/posts", { params: { path: { tag }, query: { cursor } } }))}
        empty={`No posts with #${tag} yet.`}
      />
    </Page>
  );
}
