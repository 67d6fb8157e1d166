// The home feed: compose, then what your connections, tribe, groups and hashtags posted; help
// requests from your tribe come first. Trending hashtags beside it.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { Page } from "../../lib/ui";
import { Composer } from "./Composer";
import { PostList } from "./PostList";

function Trending() {
  const trending = useQuery({ queryKey: ["trending"], queryFn: () => unwrap(api.GET("/v1/hashtags/trending")) });
  if (!trending.data?.items.length) return null;
  return (
    <aside className="card side" aria-labelledby="trending-title">
      <h2 id="trending-title">Trending</h2>
      <ul>
        {trending.data.items.map((t) => (
          <li key={t.hashtag}>
            <Link to={`/tags/${encodeURIComponent(t.hashtag)}`}>#{t.hashtag}</Link> <span className="meta">{t.posts} posts</span>
          </li>
        ))}
      </ul>
    </aside>
  );
}

export function Home() {
  const key = ["feed", "home"];
  return (
    <Page title="Home">
      <div className="with-side">
        <div>
          <Composer invalidate={key} />
          <PostList
            queryKey={key}
            load={(cursor) => unwrap(api.GET("/v1/feed", { params: { query: { cursor } } }))}
            empty={
              <>
                Your feed is quiet. <Link to="/people">Meet people</Link>, join <Link to="/groups">groups</Link> or follow a hashtag.
              </>
            }
          />
        </div>
        <Trending />
      </div>
    </Page>
  );
}
