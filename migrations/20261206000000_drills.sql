-- Restore drills (issue 26): one row per Velero Restore the control plane made to prove a backup
-- restorable, kept up to date from the Restore while it runs, then with its comparison.
create table drills (
    velero_namespace text not null,
    restore text not null,
    backup text not null,
    -- The schedule the backup came from (its velero.io/schedule-name label), if any.
    schedule text,
    -- JSON [[namespace, scratch namespace], ...].
    namespaces text not null,
    phase text not null,
    items_restored integer,
    total_items integer,
    warnings integer not null default 0,
    errors integer not null default 0,
    started_at integer not null,
    finished_at integer,
    -- passed / warnings / failed, once compared; with the JSON report (frontend DrillReport).
    verdict text check (verdict in ('passed', 'warnings', 'failed')),
    report text,
    -- When its scratch namespaces were seen gone.
    cleaned_up_at integer,
    primary key (velero_namespace, restore)
);
create index drills_started on drills (started_at desc);
