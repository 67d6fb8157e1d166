#!/usr/bin/env python3
"""Our changes to FerretDB v1.24.2's source, applied to a writable copy before it is built.

    ferretdb_patches.py BUILD_DIR

Standard library only (it runs before any project dependency is installed). Each change is
placed at an anchor, one line of FerretDB's source that must occur exactly once; when an anchor
is missing (another FerretDB version) the build stops and names it, rather than building
something unpatched. docs/store.md says why each change exists and what it measured.

PostgreSQL backend: FerretDB pushes an equality filter down as `_jsonb->'f' @> value`, which
no btree index answers, and never pushes a sort down, so the btree indexes it creates serve
only uniqueness and every query reads the whole table.
  - `_id` equality is pushed down as `=`, which the `_id` btree answers (an `_id` is never an
    array, so `=` and containment are the same test for it), and `_id` with `$in` (up to 1,000
    strings or ObjectIDs) as `IN (…)`, which it answers too; released, `$in` reached no SQL;
  - a non-unique index is created as a GIN index (`jsonb_path_ops`) over the same fields, which
    answers `@>` on each of them, arrays included; a unique index keeps its btree, for
    uniqueness, and gets a GIN sibling `<name>_gin`, dropped with it. Without `fastupdate`:
    GIN's default keeps new entries in a pending list that every query reads through, up to
    4 MB of it after a bulk load (a 20-row lookup in 100,000 documents: 4 ms with it, 0.07 ms
    without); writes pay a little more instead.
FerretDB re-checks every document it reads against the whole filter, and PostgreSQL returns the
same rows whichever index it uses, so no query's answer changes: only what it reads.

Both backends: an `update` command closed each statement's query only at the end of the
command, so a bulk write of more statements than the backend pool has connections (200 on
PostgreSQL) deadlocked the store; each statement's query is now closed once it is applied.
An open cursor holds one of the backend pool's connections until it is read to
the end, killed, or its client's connection closes; cursors left open by live clients could
drain the pool (200 connections on PostgreSQL) and stop every command. A cursor not read for
10 minutes is now closed, as MongoDB does (`JF_FERRETDB_CURSOR_IDLE_SECONDS` changes it).

SQLite backend (the fallback):
  - `_id` lookups use the `_id` index: the index is on `_ferretdb_sjson->"_id"`, lookups said
    `->'$._id'`, and SQLite uses an expression index only for the identical expression;
  - a database's pool of SQLite connections is 2,000, not 100: every open cursor holds one,
    and under load a drained pool stopped the whole database until restarted.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

T = "\t"


@dataclass(frozen=True)
class Change:
    path: str
    anchor: str  # one whole line of the source, without its indentation
    where: str  # "before", "after" or "instead"
    lines: tuple[str, ...]  # indented with tabs, as Go source is


REGISTRY = "internal/backends/postgresql/metadata/registry.go"
QUERY = "internal/backends/postgresql/query.go"
SQLITE_METADATA = "internal/backends/sqlite/metadata/metadata.go"
SQLITE_POOL = "internal/backends/sqlite/metadata/pool/opendb.go"
UPDATE = "internal/handler/msg_update.go"
CURSOR = "internal/clientconn/cursor/cursor.go"
CURSORS = "internal/clientconn/cursor/registry.go"

CHANGES = (
    Change(
        QUERY,
        "args = append(args, k, string(must.NotFail(sjson.MarshalSingleValue(v))))",
        "after",
        (
            f"{T * 2}// jobfriends: `_id` equality as `=`, which the `_id` btree answers.",
            f'{T * 2}if k == "_id" {{',
            f'{T * 3}filter = strings.Replace(filter, " @> ", " = ", 1)',
            f"{T * 2}}}",
        ),
    ),
    Change(
        QUERY,
        'case "$ne":',
        "before",
        (
            f'{T * 4}case "$in":',
            f"{T * 5}// jobfriends: `_id` among strings or ObjectIDs, as `IN`, which the `_id`",
            f"{T * 5}// btree answers.",
            f'{T * 5}if f, a := filterIDIn(p, rootKey, v); f != "" {{',
            f"{T * 6}filters = append(filters, f)",
            f"{T * 6}args = append(args, a...)",
            f"{T * 5}}}",
            "",
        ),
    ),
    Change(
        QUERY,
        "// filterEqual returns the proper SQL filter with arguments that filters documents",
        "before",
        (
            "// filterIDIn (jobfriends) pushes `{_id: {$in: [...]}}` down when every value is a",
            "// string or an ObjectID and there are at most 1,000; otherwise nothing, as released.",
            "func filterIDIn(p *metadata.Placeholder, key string, v any) (string, []any) {",
            f"{T}values, ok := v.(*types.Array)",
            f'{T}if !ok || key != "_id" || values.Len() == 0 || values.Len() > 1000 {{',
            f'{T}{T}return "", nil',
            f"{T}}}",
            f"{T}args := make([]any, 0, values.Len())",
            f"{T}for i := 0; i < values.Len(); i++ {{",
            f"{T}{T}switch value := must.NotFail(values.Get(i)).(type) {{",
            f"{T}{T}case string, types.ObjectID:",
            f"{T}{T}{T}args = append(args, string(must.NotFail(sjson.MarshalSingleValue(value))))",
            f"{T}{T}default:",
            f'{T}{T}{T}return "", nil',
            f"{T}{T}}}",
            f"{T}}}",
            f"{T}placeholders := make([]string, len(args))",
            f"{T}for i := range args {{",
            f"{T}{T}placeholders[i] = p.Next()",
            f"{T}}}",
            f'{T}in := strings.Join(placeholders, ", ")',
            f'{T}return metadata.DefaultColumn + "->\'_id\' IN (" + in + ")", args',
            "}",
            "",
        ),
    ),
    Change(
        REGISTRY,
        "columns := make([]string, len(index.Key))",
        "after",
        (
            f"{T * 2}// jobfriends: the same fields as a GIN index answering `@>`.",
            f"{T * 2}ginColumns := make([]string, len(index.Key))",
        ),
    ),
    Change(
        REGISTRY,
        'columns[i] = fmt.Sprintf("((%s->%s))", DefaultColumn, strings.Join(transformedParts, " -> "))',  # noqa: E501
        "after",
        (
            f'{T * 3}ginColumns[i] = columns[i] + " jsonb_path_ops"',
            f"{T * 3}if !index.Unique {{",
            f"{T * 4}columns[i] = ginColumns[i]",
            f"{T * 4}continue",
            f"{T * 3}}}",
        ),
    ),
    Change(
        REGISTRY,
        'q += "INDEX %s ON %s (%s)"',
        "instead",
        (
            f"{T * 2}if index.Unique {{",
            f'{T * 3}q += "INDEX %s ON %s (%s)"',
            f"{T * 2}}} else {{",
            f'{T * 3}q += "INDEX %s ON %s USING gin (%s) WITH (fastupdate = off)"',
            f"{T * 2}}}",
        ),
    ),
    Change(
        REGISTRY,
        "created = append(created, index.Name)",
        "before",
        (
            f'{T * 2}if index.Unique && index.Name != "_id_" {{',
            f"{T * 3}q = fmt.Sprintf(",
            f'{T * 4}"CREATE INDEX IF NOT EXISTS %s ON %s USING gin (%s) WITH (fastupdate = off)",',
            f'{T * 4}pgx.Identifier{{index.PgIndex + "_gin"}}.Sanitize(),',
            f"{T * 4}pgx.Identifier{{dbName, c.TableName}}.Sanitize(),",
            f'{T * 4}strings.Join(ginColumns, ", "),',
            f"{T * 3})",
            f"{T * 3}if _, err = p.Exec(ctx, q); err != nil {{",
            f"{T * 4}_ = r.indexesDrop(ctx, p, dbName, collectionName, append(created, index.Name))",  # noqa: E501
            f"{T * 4}return lazyerrors.Error(err)",
            f"{T * 3}}}",
            f"{T * 2}}}",
            "",
        ),
    ),
    Change(
        REGISTRY,
        'q := fmt.Sprintf("DROP INDEX %s", pgx.Identifier{dbName, c.Indexes[i].PgIndex}.Sanitize())',  # noqa: E501
        "before",
        (
            f'{T * 2}sibling := pgx.Identifier{{dbName, c.Indexes[i].PgIndex + "_gin"}}.Sanitize()',
            f'{T * 2}if _, err := p.Exec(ctx, "DROP INDEX IF EXISTS "+sibling); err != nil {{',
            f"{T * 3}return lazyerrors.Error(err)",
            f"{T * 2}}}",
            "",
        ),
    ),
    Change(
        SQLITE_METADATA,
        "IDColumn = DefaultColumn + \"->'$._id'\"",
        "instead",
        (f"{T}IDColumn = DefaultColumn + \"->'_id'\"",),
    ),
    Change(
        SQLITE_POOL,
        "db.SetMaxOpenConns(100)",
        "instead",
        (f"{T}db.SetMaxOpenConns(2000)",),
    ),
    # An `update` command with many statements (a bulk write of `UpdateOne`/`ReplaceOne`)
    # closed each statement's query only when the whole command ended (a `defer` in the loop),
    # so every statement held a backend connection: 200 statements took the whole pool and the
    # 201st waited for ever, with every other client behind it. Each statement's query is now
    # closed as soon as it is applied.
    Change(
        UPDATE,
        'result, err := common.UpdateDocument(ctx, c, "update", iter, &u)',
        "after",
        (f"{T * 2}closer.Close() // jobfriends: this statement's backend connection, back now",),
    ),
    # Idle cursors time out, as on MongoDB (cursorTimeoutMillis, 10 minutes): each open cursor
    # holds one of the backend pool's connections, and released FerretDB keeps a cursor until
    # it is read to the end, killed, or its client's connection closes; enough cursors left
    # open by live clients drain the pool and every later command waits for ever.
    Change(CURSOR, '"sync"', "after", (f'{T}"sync/atomic"',)),
    Change(
        CURSOR,
        "lastRecordID int64 // protected by m",
        "after",
        (f"{T}used         atomic.Int64 // jobfriends: when it was last read (unix ns)",),
    ),
    Change(
        CURSOR,
        "zero, doc, err := c.iter.Next()",
        "before",
        (f"{T}c.used.Store(time.Now().UnixNano())",),
    ),
    Change(CURSORS, '"math/rand"', "after", (f'{T}"os"', f'{T}"strconv"')),
    Change(
        CURSORS,
        "r.wg.Add(1)",
        "before",
        (
            f"{T}// jobfriends: close the cursor once it has not been read for the idle timeout.",
            f"{T}c.used.Store(time.Now().UnixNano())",
            f"{T}go func() {{",
            f"{T * 2}idle := cursorIdleTimeout()",
            f"{T * 2}ticker := time.NewTicker(idle / 10)",
            f"{T * 2}defer ticker.Stop()",
            f"{T * 2}for {{",
            f"{T * 3}select {{",
            f"{T * 3}case <-c.removed:",
            f"{T * 4}return",
            f"{T * 3}case <-ticker.C:",
            f"{T * 4}if time.Since(time.Unix(0, c.used.Load())) > idle {{",
            f'{T * 5}r.l.Info("Closing an idle cursor", slog.Int64("id", c.ID))',
            f"{T * 5}r.CloseAndRemove(c)",
            f"{T * 5}return",
            f"{T * 4}}}",
            f"{T * 3}}}",
            f"{T * 2}}}",
            f"{T}}}()",
            "",
        ),
    ),
    Change(
        CURSORS,
        "func NewRegistry(l *slog.Logger) *Registry {",
        "before",
        (
            "// cursorIdleTimeout is JF_FERRETDB_CURSOR_IDLE_SECONDS, 600 (MongoDB's) by default.",
            "func cursorIdleTimeout() time.Duration {",
            f'{T}if s, err := strconv.Atoi(os.Getenv("JF_FERRETDB_CURSOR_IDLE_SECONDS")); '
            "err == nil && s > 0 {",
            f"{T * 2}return time.Duration(s) * time.Second",
            f"{T}}}",
            f"{T}return 10 * time.Minute",
            "}",
            "",
        ),
    ),
)


def apply(root: Path, change: Change) -> None:
    path = root / change.path
    lines = path.read_text().split("\n")
    hits = [i for i, line in enumerate(lines) if line.strip() == change.anchor]
    if len(hits) != 1:
        raise SystemExit(
            f"ferretdb: expected once in {change.path}, found {len(hits)}: {change.anchor}"
        )
    at = hits[0]
    new = list(change.lines)
    if change.where == "before":
        lines[at:at] = new
    elif change.where == "after":
        lines[at + 1 : at + 1] = new
    else:
        lines[at : at + 1] = new
    path.write_text("\n".join(lines))


def main() -> None:
    root = Path(sys.argv[1])
    for change in CHANGES:
        apply(root, change)


if __name__ == "__main__":
    main()
