import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { ErrorNote, Field, Page } from "../../lib/ui";
import { useSignUp } from "./api";

export function SignUp() {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signUp = useSignUp();
  const navigate = useNavigate();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signUp.mutate({ email, password, display_name: name }, { onSuccess: () => navigate("/welcome") });
  };
  return (
    <Page title="Join JobFriends">
      <p className="lead">Make job friends in your city: people who do what you do, or what you want to do.</p>
      <form className="card narrow" onSubmit={submit}>
        <Field label="Your name">
          {(id) => <input id={id} autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Email">
          {(id) => <input id={id} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label="Password" hint="At least 10 characters; a short sentence works well.">
          {(id, hint) => (
            <input
              id={id}
              type="password"
              autoComplete="new-password"
              aria-describedby={hint}
              required
              minLength={10}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <ErrorNote error={signUp.error} />
        <button type="submit" className="primary" disabled={signUp.isPending}>
          {signUp.isPending ? "Creating your account…" : "Create account"}
        </button>
        <p>
          Already have an account? <Link to="/signin">Sign in</Link>
        </p>
      </form>
    </Page>
  );
}
