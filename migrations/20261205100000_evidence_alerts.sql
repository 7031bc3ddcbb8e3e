-- Alertmanager's alerts as evidence for AARs (issue 24): every alert the server saw firing, kept
-- for `evidence.keep_days` like the Warning events, so an AAR written later is offered the
-- alerts that fired in its window. Written by the evidence recorder only, pruned by it.

-- One row per firing (an alert's fingerprint and the time it started): the same alert firing
-- again later is another row.
create table evidence_alerts (
    key text primary key,           -- fingerprint@started
    name text not null,             -- the alertname label
    severity text not null,         -- '' when unset
    summary text not null,
    labels text not null,           -- JSON object of the other labels
    started integer not null,       -- unix seconds
    last_seen integer not null      -- the last time the server saw it firing
);
create index evidence_alerts_by_time on evidence_alerts (last_seen);
