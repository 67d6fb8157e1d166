// The one API client: typed from the gateway's OpenAPI (schema.d.ts, generated), same-origin
// cookies for the session, the CSRF double submit on every state-changing request, and one
// silent renewal when the access token has expired. No token is ever visible to this code.
import createClient from "openapi-fetch";
import type { paths } from "./schema";

export type { components } from "./schema";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export function csrfToken(): string {
  const match = document.cookie.match(/(?:^|;\s*)jf_csrf=([^;]*)/);
  return match?.[1] ?? "";
}

let renewal: Promise<boolean> | null = null;

/** Renew the session once for everyone waiting (several requests may hit the expiry together). */
export function renewSession(): Promise<boolean> {
  renewal ??= fetch("/v1/session/refresh", {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRF-Token": csrfToken() },
  })
    .then((r) => r.ok)
    .catch(() => false)
    .finally(() => {
      setTimeout(() => (renewal = null), 0);
    });
  return renewal;
}

function withCsrf(request: Request): Request {
  if (!SAFE.has(request.method)) request.headers.set("X-CSRF-Token", csrfToken());
  return request;
}

async function sessionFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const response = await fetch(withCsrf(input));
  if (response.status !== 401 || input.url.includes("/v1/session")) return response;
  if (!(await renewSession())) return response;
  return fetch(withCsrf(retry));
}

export const api = createClient<paths>({
  baseUrl: "",
  credentials: "same-origin",
  fetch: sessionFetch,
});

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful answer, or an ApiError that says what went wrong in words. */
export async function unwrap<T>(call: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await call;
  } catch {
    const offline = typeof navigator !== "undefined" && !navigator.onLine;
    throw new ApiError(
      offline ? "You are offline. We will try again when you are back." : "Could not reach JobFriends. Try again in a moment.",
      0,
      offline ? "offline" : "network",
    );
  }
  const { response } = answer;
  if (response.ok) return answer.data as T;
  const body = (answer.error ?? {}) as { code?: string; message?: string };
  const retry = Number(response.headers.get("Retry-After") ?? "") || undefined;
  let message = body.message ?? `Something went wrong (${response.status}).`;
  if (response.status === 429) message = `Too many requests: try again in ${retry ?? 1} s.`;
  throw new ApiError(message, response.status, body.code ?? "error", retry);
}
