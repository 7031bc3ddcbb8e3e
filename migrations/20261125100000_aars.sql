-- After-action reviews (issue 7).
--
-- An AAR's content is one JSON document (`doc`, the shared `AarContent` without its action
-- items): its lists (timeline, causes, lessons, extra sections) are only ever read and written
-- whole, and a new field then needs no migration. The columns beside it exist because something
-- filters, sorts or must be unique on them.
create table aars (
    id integer primary key,
    -- Title and first day of the incident: the stable key an import matches on, so that
    -- importing the same file twice changes nothing.
    title text not null,
    incident_date text not null, -- YYYY-MM-DD
    severity text check (severity in ('critical', 'high', 'medium', 'low')), -- null: unrated
    status text not null check (status in ('draft', 'published')),
    -- JSON arrays of strings, filtered with json_each (a handful per AAR).
    tags text not null default '[]',
    services text not null default '[]',
    doc text not null,
    -- Optimistic concurrency: a save names the version it was based on and is refused when
    -- that is no longer the current one.
    version integer not null,
    created_at text not null,
    created_by text not null,
    updated_at text not null,
    updated_by text not null,
    unique (title, incident_date)
);

-- Action items have their own rows: the open-items page lists them across all AARs, and one
-- is marked done without rewriting the rest. `position` is the order within the AAR.
create table aar_action_items (
    aar_id integer not null references aars (id) on delete cascade,
    position integer not null,
    text text not null,
    owner text,
    priority integer check (priority between 0 and 3), -- P0..P3; null: none given
    status text not null check (status in ('open', 'done', 'dropped')),
    due text, -- YYYY-MM-DD
    done_on text, -- YYYY-MM-DD
    primary key (aar_id, position)
);
create index aar_action_items_by_status on aar_action_items (status, priority);

-- Every saved version, whole: nothing an admin wrote is lost, and any older version can be
-- shown as it was. `changes` says in words which fields this version changed.
create table aar_revisions (
    aar_id integer not null references aars (id) on delete cascade,
    version integer not null,
    at text not null,
    by text not null,
    changes text not null,
    snapshot text not null, -- JSON of the whole AarContent, action items included
    primary key (aar_id, version)
);

-- Full-text search. rowid = aars.id; kept in step by the store in the same transaction as
-- each write. Porter stemming so that "failing" finds "failed".
create virtual table aar_fts using fts5 (title, body, tokenize = 'porter unicode61');
