-- The audit log of guarded actions: one row per attempt, refused, failed or done. Entries are
-- never changed or deleted by the app; the triggers make that hold for any SQL too.
create table if not exists audit_log (
    id integer primary key,
    at integer not null,                      -- unix seconds
    actor_sub text not null,                  -- the provider's subject
    actor_name text not null,
    action text not null,                     -- scale, clear-claim-ref, ...
    target text not null,                     -- e.g. "Deployment media/plex"
    reason text,
    command text not null,                    -- the equivalent kubectl command
    changes text not null,                    -- JSON list of {field, before, after}
    outcome text not null check (outcome in ('done', 'refused', 'failed')),
    message text not null default ''
);
create index if not exists audit_log_at on audit_log (at desc);

create trigger if not exists audit_log_is_append_only_update before update on audit_log
begin
    select raise(abort, 'audit entries are never changed');
end;
create trigger if not exists audit_log_is_append_only_delete before delete on audit_log
begin
    select raise(abort, 'audit entries are never deleted');
end;
