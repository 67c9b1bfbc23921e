-- 023: notices (auth/notice.hpp): subscriptions of users and operators, what the notice watcher
-- last saw of each watched condition, when it last sent each kind of notice about a subject (the
-- rate limit), and the durable queue of webhook deliveries (the mail outbox's twin: claimed
-- with a lease, retried with backoff, delivered at least once under one idempotency key).

CREATE TABLE notice_subscriptions (
    id             bigserial PRIMARY KEY,
    -- NULL: the operator's, told about every account.
    account_id     bigint REFERENCES accounts (id) ON DELETE CASCADE,
    kinds          text[] NOT NULL CHECK (cardinality(kinds) > 0 AND
                          kinds <@ ARRAY['offline', 'failing', 'address', 'expiry']::text[]),
    mail           boolean NOT NULL DEFAULT false,
    -- The address; '' means the account's own (an operator's subscription must name one).
    mail_to        text NOT NULL DEFAULT '' CHECK (length(mail_to) <= 254
                                                   AND strpos(mail_to, chr(13)) = 0
                                                   AND strpos(mail_to, chr(10)) = 0),
    webhook_url    text NOT NULL DEFAULT '' CHECK (length(webhook_url) <= 2000),
    -- The HMAC key the webhook is signed with: shown once when made, never again.
    webhook_secret text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (mail OR webhook_url <> ''),
    CHECK ((webhook_url = '') = (webhook_secret = '')),
    CHECK (account_id IS NOT NULL OR NOT mail OR mail_to <> '')
);
CREATE INDEX notice_subscriptions_account_idx ON notice_subscriptions (account_id);

-- subject: 'host:<id>' or 'account:<id>' (no foreign key: the rows of a removed host are
-- pruned by the watcher and mean nothing once it is gone).
CREATE TABLE notice_watch (
    subject   text NOT NULL,
    condition text NOT NULL CHECK (condition IN ('offline', 'failing', 'budget', 'address',
                                                 'expiry')),
    seen      text NOT NULL,  -- the condition's value at the last pass; '' while it did not hold
    PRIMARY KEY (subject, condition)
);

CREATE TABLE notice_sent (
    subject   text NOT NULL,
    event     text NOT NULL,
    last_sent timestamptz NOT NULL,
    PRIMARY KEY (subject, event)
);

CREATE TABLE webhook_outbox (
    id              bigserial PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES notice_subscriptions (id) ON DELETE CASCADE,
    idempotency_key text NOT NULL UNIQUE,
    body            text NOT NULL,
    created         timestamptz NOT NULL DEFAULT clock_timestamp(),
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt    timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_error      text,
    finished        timestamptz,
    CHECK ((state = 'pending') = (finished IS NULL))
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt) WHERE state = 'pending';
CREATE INDEX webhook_outbox_finished ON webhook_outbox (finished) WHERE state <> 'pending';
CREATE INDEX webhook_outbox_subscription_idx ON webhook_outbox (subscription_id);
