-- Schema 3: browser sessions (ids are hashes of the cookie tokens; tokens are never stored), the
-- one-time sign-in grants exchanged for them, and the audit trail of every change to a decision
-- or an account (append-only: a trigger refuses UPDATE and DELETE).

CREATE TABLE sessions (
    id          text PRIMARY KEY,
    username    text NOT NULL DEFAULT '',    -- casefolded
    expires_at  text NOT NULL DEFAULT '',
    data        jsonb NOT NULL
);
CREATE INDEX sessions_user ON sessions (username);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE sign_in_grants (
    id          text PRIMARY KEY,
    expires_at  text NOT NULL DEFAULT '',
    data        jsonb NOT NULL
);

CREATE TABLE audit_events (
    seq          bigserial PRIMARY KEY,
    time         text NOT NULL DEFAULT '',
    actor        text NOT NULL DEFAULT '',
    document_id  text NOT NULL DEFAULT '',
    agency_id    text NOT NULL DEFAULT '',
    action       text NOT NULL DEFAULT '',
    data         jsonb NOT NULL
);
CREATE INDEX audit_time ON audit_events (time);
CREATE INDEX audit_actor ON audit_events (actor, time);
CREATE INDEX audit_document ON audit_events (document_id, time);
CREATE INDEX audit_agency ON audit_events (agency_id, time);
CREATE INDEX audit_action ON audit_events (action, time);

CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
