// A person's name from their id (lists such as attendees carry ids only); cached per person.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client";

export function PersonName({ id }: { id: string }) {
  const person = useQuery({
    queryKey: ["user", id],
    queryFn: () => unwrap(api.GET("/v1/users/{user_id}", { params: { path: { user_id: id } } })),
    staleTime: 300_000,
    retry: false,
  });
  if (person.isError) return null; // blocked or gone: not shown at all
  return <Link to={`/people/${id}`}>{person.data?.display_name ?? "…"}</Link>;
}
