// Who is signed in: the person's own profile, kept in the query cache. A 401 (after the client's
// one renewal attempt) means signed out.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../../api/client";

export function useMe() {
  return useQuery({
    queryKey: ["me"],
    queryFn: async () => {
      try {
        return await unwrap(api.GET("/v1/me"));
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => unwrap(api.POST("/v1/session", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ["me"] }),
  });
}

export function useSignUp() {
  const signIn = useSignIn();
  return useMutation({
    mutationFn: async (body: { email: string; password: string; display_name: string }) => {
      await unwrap(api.POST("/v1/auth/register", { body }));
      return signIn.mutateAsync({ email: body.email, password: body.password });
    },
  });
}

export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await api.DELETE("/v1/session");
    },
    onSettled: () => {
      client.clear();
      client.setQueryData(["me"], null);
    },
  });
}
