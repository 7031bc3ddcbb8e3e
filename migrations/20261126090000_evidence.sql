-- Evidence from the cluster for AARs (issue 7): the Warning events and Velero backup runs the
-- watch caches saw, kept for `evidence.keep_days` (default 30). The API server forgets events
-- after an hour, and Velero deletes backups when their TTL ends; an AAR written days later still
-- needs them for its timeline. Both tables are written by the recorder only and pruned by it.

-- One row per event object (its uid): a repeating event updates its count and last time in
-- place rather than adding rows.
create table evidence_events (
    key text primary key,           -- the event's uid (namespace/name when it has none)
    namespace text not null,        -- of the event; '' for cluster-scoped objects' events
    object_kind text not null,      -- involvedObject: Pod, Node, Deployment...
    object_name text not null,
    node text,                      -- the node that reported it (source.host), if any
    reason text not null,
    message text not null,
    count integer not null,
    first_seen integer not null,    -- unix seconds
    last_seen integer not null
);
create index evidence_events_by_time on evidence_events (last_seen);

-- One row per Backup object; its phase and counts are updated as the run progresses.
create table evidence_backups (
    namespace text not null,
    name text not null,
    schedule text,                  -- the velero.io/schedule-name label; null for ad hoc backups
    phase text not null,
    started integer,                -- unix seconds; null while it has not started
    completed integer,
    errors integer not null default 0,
    warnings integer not null default 0,
    failure_reason text,
    namespaces text not null default '[]', -- JSON: included namespaces; [] means all
    seen integer not null,          -- when it was first seen (its time when it never started)
    primary key (namespace, name)
);
create index evidence_backups_by_time on evidence_backups (coalesce(completed, started, seen));
