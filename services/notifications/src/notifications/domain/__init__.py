"""The notifications domain: plain rules, no I/O.

- `kinds`: notification types, channels, digest frequencies, caps;
- `drafts`: a notification before it is stored, its derived id, nearness and interest fit;
- `preferences`: a person's settings and how they apply (channels, quiet hours, caps);
- `templates`: title, body and data of each type;
- `digest`: digest periods, ids and the email.
"""
