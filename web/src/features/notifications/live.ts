// The live notification stream: one EventSource for the whole app (the session cookie goes with
// it), which refreshes the unread count and list as notifications arrive, without a reload.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api, renewSession, unwrap } from "../../api/client";

export function useNotifications() {
  return useQuery({
    queryKey: ["notifications"],
    queryFn: () => unwrap(api.GET("/v1/notifications")),
  });
}

export function useLiveNotifications(enabled: boolean) {
  const client = useQueryClient();
  useEffect(() => {
    if (!enabled || typeof EventSource === "undefined") return;
    let source: EventSource | null = null;
    let closed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      source = new EventSource("/v1/notifications/stream");
      source.addEventListener("notification", () => {
        void client.invalidateQueries({ queryKey: ["notifications"] });
      });
      source.onerror = () => {
        // The browser retries by itself, except after a refusal (an expired session): renew
        // the session and open a new stream.
        if (source?.readyState === EventSource.CLOSED && !closed) {
          retry = setTimeout(() => void renewSession().then((ok) => ok && !closed && open()), 2000);
        }
      };
    };
    open();
    return () => {
      closed = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [enabled, client]);
}
