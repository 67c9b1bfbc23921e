-- The mail outbox (auth/mail_outbox.hpp, auth/mail_queue.hpp): requests only insert a row; the
-- mail sender of every gateway instance claims due rows, delivers them over SMTP and records the
-- outcome. A claim moves next_attempt past the send's deadline (a lease), so another instance
-- skips the row while it is being sent and takes it again if that instance died mid-send.
CREATE TABLE mail_outbox (
    id bigserial PRIMARY KEY,
    recipient text NOT NULL CHECK (recipient <> ''
                                   AND strpos(recipient, chr(13)) = 0
                                   AND strpos(recipient, chr(10)) = 0),
    subject text NOT NULL CHECK (strpos(subject, chr(13)) = 0 AND strpos(subject, chr(10)) = 0),
    body text NOT NULL,
    kind text NOT NULL,
    created timestamptz NOT NULL DEFAULT clock_timestamp(),
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,       -- delivery attempts begun
    next_attempt timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_error text,                           -- the SMTP server's answer or the connect error
    finished timestamptz,                      -- when sent or given up
    CHECK ((state = 'pending') = (finished IS NULL))
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt) WHERE state = 'pending';
CREATE INDEX mail_outbox_finished ON mail_outbox (finished) WHERE state <> 'pending';
