// The routes: signed-out people see sign in / sign up; signed-in people the app, starting
// with their profile if it has no profession yet. Screens load on demand (each a chunk), so
// the first load carries only what the first screen needs.
import { lazy, Suspense, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { useMe } from "../features/auth/api";
import { SignIn } from "../features/auth/SignIn";
import { SignUp } from "../features/auth/SignUp";
import { ErrorNote, Loading } from "../lib/ui";
import { Layout } from "./Layout";

const named = <K extends string>(load: () => Promise<Record<K, () => ReactNode>>, name: K) =>
  lazy(() => load().then((m) => ({ default: m[name] })));

const Home = named(() => import("../features/feed/Home"), "Home");
const Onboarding = named(() => import("../features/onboarding/Onboarding"), "Onboarding");
const Matches = named(() => import("../features/people/Matches"), "Matches");
const Person = named(() => import("../features/people/Person"), "Person");
const Requests = named(() => import("../features/connections/Requests"), "Requests");
const Connections = named(() => import("../features/connections/Connections"), "Connections");
const Hashtag = named(() => import("../features/hashtags/Hashtag"), "Hashtag");
const Groups = named(() => import("../features/groups/Groups"), "Groups");
const Group = named(() => import("../features/groups/Groups"), "Group");
const Events = named(() => import("../features/events/Events"), "Events");
const EventDetail = named(() => import("../features/events/EventDetail"), "EventDetail");
const HostEvent = named(() => import("../features/events/HostEvent"), "HostEvent");
const Notifications = named(() => import("../features/notifications/Notifications"), "Notifications");
const Settings = named(() => import("../features/settings/Settings"), "Settings");

function SignedIn({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isLoading) return <Loading what="Opening JobFriends" />;
  if (me.isError) return <ErrorNote error={me.error} />;
  if (!me.data) return <Navigate to="/signin" replace state={{ from: location.pathname }} />;
  if (!me.data.profession && location.pathname === "/") return <Navigate to="/welcome" replace />;
  return <>{children}</>;
}

function SignedOut({ children }: { children: ReactNode }) {
  const me = useMe();
  if (me.isLoading) return <Loading what="Opening JobFriends" />;
  return me.data ? <Navigate to="/" replace /> : <main id="main">{children}</main>;
}

export function App() {
  return (
    <BrowserRouter>
      <Suspense fallback={<Loading />}>
        <Routes>
          <Route path="/signin" element={<SignedOut><SignIn /></SignedOut>} />
          <Route path="/signup" element={<SignedOut><SignUp /></SignedOut>} />
          <Route element={<SignedIn><Layout /></SignedIn>}>
            <Route index element={<Home />} />
            <Route path="welcome" element={<Onboarding />} />
            <Route path="people" element={<Matches />} />
            <Route path="people/:id" element={<Person />} />
            <Route path="requests" element={<Requests />} />
            <Route path="connections" element={<Connections />} />
            <Route path="tags/:tag" element={<Hashtag />} />
            <Route path="groups" element={<Groups />} />
            <Route path="groups/:id" element={<Group />} />
            <Route path="events" element={<Events />} />
            <Route path="events/new" element={<HostEvent />} />
            <Route path="events/:id" element={<EventDetail />} />
            <Route path="notifications" element={<Notifications />} />
            <Route path="settings" element={<Settings />} />
            <Route path="*" element={<p className="state">This page does not exist.</p>} />
          </Route>
        </Routes>
      </Suspense>
    </BrowserRouter>
  );
}
