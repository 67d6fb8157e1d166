// A cursor-paginated list of posts (home, a person, a hashtag, a group): the next page loads
// when the end comes into view, or with the button (keyboard and screen readers).
import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useRef, type ReactNode } from "react";
import type { components } from "../../api/client";
import { Empty, ErrorNote, Loading } from "../../lib/ui";
import { PostCard } from "./PostCard";

type FeedPage = components["schemas"]["Page_PostOut_"];

export function PostList({
  queryKey,
  load,
  empty,
}: {
  queryKey: unknown[];
  load: (cursor: string | undefined) => Promise<FeedPage>;
  empty: ReactNode;
}) {
  const posts = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => load(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const end = useRef<HTMLDivElement>(null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = posts;
  useEffect(() => {
    const node = end.current;
    if (!node || !hasNextPage || typeof IntersectionObserver === "undefined") return;
    const seen = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    });
    seen.observe(node);
    return () => seen.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const items = posts.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="feed">
      {posts.isLoading && <Loading what="Loading posts" />}
      <ErrorNote error={posts.error} />
      {posts.isSuccess && items.length === 0 && <Empty>{empty}</Empty>}
      {items.map((post) => (
        <PostCard key={post.id} post={post} queryKey={queryKey} />
      ))}
      <div ref={end} />
      {hasNextPage && (
        <button onClick={() => void fetchNextPage()} disabled={isFetchingNextPage}>
          {isFetchingNextPage ? "Loading…" : "Show older posts"}
        </button>
      )}
    </div>
  );
}
