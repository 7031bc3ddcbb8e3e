-- An action may name the AAR it was taken for (issue 8): that AAR then shows the action in its
-- timeline. Null for actions taken without one. Adding a column is not an update of any row,
-- so the append-only triggers are unaffected.
alter table audit_log add column aar_id integer references aars (id);
create index if not exists audit_log_by_aar on audit_log (aar_id) where aar_id is not null;
