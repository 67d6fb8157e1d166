"""The events service's rules, without I/O: what an event may hold (`event`), where it is
(`geo`), how free text is searched (`text`), who sees what and how discovery ranks (`discovery`),
and how seats, the waitlist, check-ins and reminders behave (`attendance`)."""
