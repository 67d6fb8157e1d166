// Settings: how and when we tell you things (channels, quiet hours, digest), your profile,
// and deleting your account (after a confirmation; it signs you out everywhere).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap, type components } from "../../api/client";
import { ErrorNote, Field, Loading, Page } from "../../lib/ui";

type Digest = components["schemas"]["DigestFrequency"];

function NotificationSettings() {
  const client = useQueryClient();
  const settings = useQuery({ queryKey: ["notification-settings"], queryFn: () => unwrap(api.GET("/v1/me/notification-settings")) });
  const [digest, setDigest] = useState<Digest>("weekly");
  const [quiet, setQuiet] = useState(false);
  const [start, setStart] = useState("22:00");
  const [end, setEnd] = useState("07:00");
  useEffect(() => {
    const s = settings.data;
    if (!s) return;
    setDigest(s.digest);
    setQuiet(!!s.quiet_hours);
    if (s.quiet_hours) {
      setStart(s.quiet_hours.start.slice(0, 5));
      setEnd(s.quiet_hours.end.slice(0, 5));
    }
  }, [settings.data]);
  const save = useMutation({
    mutationFn: () => unwrap(api.PUT("/v1/me/notification-settings", { body: { digest, quiet_hours: quiet ? { start, end } : null } })),
    onSuccess: (data) => client.setQueryData(["notification-settings"], data),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  if (settings.isLoading) return <Loading />;
  return (
    <form className="card" onSubmit={submit} aria-labelledby="notify-title">
      <h2 id="notify-title">Notifications</h2>
      <ErrorNote error={settings.error} />
      <Field label="Email digest">
        {(id) => (
          <select id={id} value={digest} onChange={(e) => setDigest(e.target.value as Digest)}>
            <option value="daily">Daily</option>
            <option value="weekly">Weekly</option>
            <option value="off">Never</option>
          </select>
        )}
      </Field>
      <label className="check">
        <input type="checkbox" checked={quiet} onChange={(e) => setQuiet(e.target.checked)} /> Quiet hours (no alerts)
      </label>
      {quiet && (
        <div className="row">
          <Field label="From">{(id) => <input id={id} type="time" value={start} onChange={(e) => setStart(e.target.value)} />}</Field>
          <Field label="Until">{(id) => <input id={id} type="time" value={end} onChange={(e) => setEnd(e.target.value)} />}</Field>
        </div>
      )}
      <ErrorNote error={save.error} />
      <button type="submit" className="primary" disabled={save.isPending}>
        Save notification settings
      </button>
      {save.isSuccess && <p role="status">Saved.</p>}
    </form>
  );
}

function DeleteAccount() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [confirm, setConfirm] = useState("");
  const remove = useMutation({
    mutationFn: async () => {
      await unwrap(api.DELETE("/v1/me"));
      await api.DELETE("/v1/session");
    },
    onSuccess: () => {
      client.clear();
      client.setQueryData(["me"], null);
      navigate("/signin", { replace: true });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    remove.mutate();
  };
  return (
    <form className="card danger-zone" onSubmit={submit} aria-labelledby="delete-title">
      <h2 id="delete-title">Delete your account</h2>
      <p>Your profile, posts, connections and RSVPs are erased and cannot be brought back.</p>
      <Field label="Type DELETE to confirm">{(id) => <input id={id} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" />}</Field>
      <ErrorNote error={remove.error} />
      <button type="submit" className="danger" disabled={confirm !== "DELETE" || remove.isPending}>
        Delete my account
      </button>
    </form>
  );
}

export function Settings() {
  return (
    <Page title="Settings">
      <p>
        <Link to="/welcome">Edit your profile</Link>
      </p>
      <NotificationSettings />
      <DeleteAccount />
    </Page>
  );
}
