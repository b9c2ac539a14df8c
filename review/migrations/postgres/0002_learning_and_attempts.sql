-- Schema 2: reviewers' decisions as training examples, per-framework learning settings, and the
-- token that ties a sign-in attempt's recorded failures together (atomic check-and-record).

-- one row per decision: numbers and ids only, never document text; append-only but for an
-- admin's reset of a framework
CREATE TABLE learning_examples (
    seq           bigserial PRIMARY KEY,
    framework_id  text NOT NULL,
    data          jsonb NOT NULL
);
CREATE INDEX learning_framework ON learning_examples (framework_id, seq);

CREATE TABLE learning_settings (
    framework_id  text PRIMARY KEY,
    data          jsonb NOT NULL
);

ALTER TABLE sign_in_failures ADD COLUMN token text NOT NULL DEFAULT '';
CREATE INDEX failures_token ON sign_in_failures (token);
