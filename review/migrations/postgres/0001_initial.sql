-- Competency Review on PostgreSQL, schema 1.
-- Applied by review.storage_pg.migrate() in one transaction (with the migration lock held).
-- Whole records the Repository protocol hands over stay JSONB (``data``); every field a query
-- filters or orders on is also a real column with an index.

CREATE TABLE agencies (
    id        text PRIMARY KEY,
    seq       bigserial,                     -- insertion order, as the TinyDB store lists them
    name_key  text NOT NULL UNIQUE,          -- casefolded name: names are unique ignoring case
    data      jsonb NOT NULL
);

CREATE TABLE users (
    key        text PRIMARY KEY,             -- casefolded username
    seq        bigserial,
    username   text NOT NULL,
    role       text NOT NULL,
    agency_id  text,
    active     boolean NOT NULL DEFAULT true,
    data       jsonb NOT NULL
);
CREATE INDEX users_agency ON users (agency_id);

CREATE TABLE framework_imports (
    seq   bigserial PRIMARY KEY,
    data  jsonb NOT NULL
);

CREATE TABLE documents (
    id           text PRIMARY KEY,
    agency_id    text,
    state        text,
    data         jsonb NOT NULL,
    row_version  bigint NOT NULL DEFAULT 1    -- optimistic concurrency: checked on every update
);

-- one summary row per document, for worklists (the TinyDB store's index.json)
CREATE TABLE document_summaries (
    id            text PRIMARY KEY,          -- no foreign key: a summary may be written first by repair tools
    agency_id     text,
    state         text,
    reviewer_key  text NOT NULL DEFAULT '',  -- casefolded reviewer username
    submitted_at  text NOT NULL DEFAULT '',
    updated_at    text NOT NULL DEFAULT '',
    rev           bigint NOT NULL DEFAULT 0,
    data          jsonb NOT NULL
);
CREATE INDEX summaries_state ON document_summaries (state, submitted_at);
CREATE INDEX summaries_reviewer ON document_summaries (state, reviewer_key);
CREATE INDEX summaries_agency ON document_summaries (agency_id, updated_at);
CREATE INDEX summaries_updated ON document_summaries (updated_at);

CREATE TABLE versions (
    document_id  text NOT NULL REFERENCES documents (id),
    number       integer NOT NULL,
    data         jsonb NOT NULL,             -- the version record
    sections_split boolean NOT NULL DEFAULT false,  -- true: data.parsed.sections live in ``sections``
    PRIMARY KEY (document_id, number)
);

CREATE TABLE sections (
    document_id  text NOT NULL,
    version      integer NOT NULL,
    ordinal      integer NOT NULL,
    section_id   text NOT NULL,
    title        text NOT NULL DEFAULT '',
    data         jsonb NOT NULL,
    PRIMARY KEY (document_id, version, ordinal),
    FOREIGN KEY (document_id, version) REFERENCES versions (document_id, number)
);

CREATE TABLE links (
    document_id  text NOT NULL REFERENCES documents (id),
    id           text NOT NULL,
    seq          bigserial,                  -- insertion order, as the TinyDB store returns them
    version      integer NOT NULL,
    section_id   text NOT NULL,
    competency   text NOT NULL,
    state        text NOT NULL DEFAULT '',
    data         jsonb NOT NULL,
    row_version  bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (document_id, id),
    UNIQUE (document_id, version, section_id, competency)
);
CREATE INDEX links_version ON links (document_id, version, seq);

-- review history and audit trail: append-only (a trigger refuses UPDATE and DELETE)
CREATE TABLE history (
    seq          bigserial PRIMARY KEY,
    document_id  text NOT NULL REFERENCES documents (id),
    time         text NOT NULL DEFAULT '',
    action       text NOT NULL DEFAULT '',
    actor        text NOT NULL DEFAULT '',
    data         jsonb NOT NULL
);
CREATE INDEX history_document ON history (document_id, seq);
CREATE INDEX history_time ON history (time);
CREATE INDEX history_actor ON history (actor, time);

CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the review history is append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER history_append_only BEFORE UPDATE OR DELETE ON history
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- the soft review lock: one row per locked document, taken with SELECT ... FOR UPDATE inside one
-- short transaction; it expires touched_at + the service's lock timeout (never a held row lock)
CREATE TABLE review_locks (
    document_id  text PRIMARY KEY REFERENCES documents (id),
    holder       text NOT NULL,
    touched_at   text NOT NULL DEFAULT '',
    data         jsonb NOT NULL
);

CREATE TABLE assessments (
    document_id  text NOT NULL REFERENCES documents (id),
    version      integer NOT NULL,
    competency   text NOT NULL,
    data         jsonb NOT NULL,
    PRIMARY KEY (document_id, version, competency)
);

CREATE TABLE sign_in_failures (
    seq   bigserial PRIMARY KEY,
    key   text NOT NULL,
    time  text NOT NULL
);
CREATE INDEX failures_key ON sign_in_failures (key, time);
CREATE INDEX failures_time ON sign_in_failures (time);

-- uploaded originals, content-addressed: one row per distinct file, never updated
CREATE TABLE originals (
    sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size        bigint NOT NULL,
    data        bytea NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now()
);
