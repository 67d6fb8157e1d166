// The frame of every signed-in screen: a skip link, the navigation (with the live unread
// badge) and the page. On a phone the navigation wraps into a compact bar.
import { NavLink, Outlet, useNavigate } from "react-router-dom";
import { useSignOut } from "../features/auth/api";
import { useLiveNotifications, useNotifications } from "../features/notifications/live";
import { useOnline } from "../lib/online";

const LINKS: [string, string][] = [
  ["/", "Home"],
  ["/people", "People"],
  ["/requests", "Requests"],
  ["/connections", "Connections"],
  ["/groups", "Groups"],
  ["/events", "Events"],
];

export function Layout() {
  useLiveNotifications(true);
  const notifications = useNotifications();
  const unread = notifications.data?.unread_count ?? 0;
  const signOut = useSignOut();
  const navigate = useNavigate();
  const online = useOnline();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <NavLink to="/" className="brand">
          JobFriends
        </NavLink>
        <nav aria-label="Main">
          <ul>
            {LINKS.map(([to, label]) => (
              <li key={to}>
                <NavLink to={to} end={to === "/"}>
                  {label}
                </NavLink>
              </li>
            ))}
            <li>
              <NavLink to="/notifications" aria-label={unread ? `Notifications, ${unread} unread` : "Notifications"}>
                Notifications{" "}
                {unread > 0 && (
                  <span className="count" data-testid="unread-badge" aria-hidden="true">
                    {unread}
                  </span>
                )}
              </NavLink>
            </li>
            <li>
              <NavLink to="/settings">Settings</NavLink>
            </li>
            <li>
              <button className="link" onClick={() => signOut.mutate(undefined, { onSettled: () => navigate("/signin") })}>
                Sign out
              </button>
            </li>
          </ul>
        </nav>
      </header>
      {!online && (
        <p className="offline" role="alert">
          You are offline. What you see may be out of date.
        </p>
      )}
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}
