-- The failure throttle's state shared by all gateway instances (auth/failure_throttle.hpp).
-- Streaks are named by a keyed hash of their subject (address and name, name, or address), never
-- by the name or address itself; the hash key is created once, by the first instance to start.
CREATE TABLE throttle_key (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    secret bytea NOT NULL CHECK (octet_length(secret) BETWEEN 16 AND 64)
);

CREATE TABLE throttle_streaks (
    scope text NOT NULL CHECK (scope IN ('A', 'U', 'N')),  -- address+name, account, network
    key bigint NOT NULL,
    failures integer NOT NULL,  -- since the streak began, or since its last lock
    locks integer NOT NULL,     -- locks so far
    last_failure timestamptz NOT NULL,
    locked_until timestamptz NOT NULL,
    forget_at timestamptz NOT NULL,  -- the streak ends: `window` after its last failure or lock
    PRIMARY KEY (scope, key)
);
CREATE INDEX throttle_streaks_locked_until ON throttle_streaks (locked_until);
CREATE INDEX throttle_streaks_forget_at ON throttle_streaks (forget_at);

-- Counts one failure in a streak, atomically (its row locked), by the throttle's policy:
-- `threshold` failures lock for `initial` seconds; once locked, each further failure locks again,
-- twice as long each time, up to `max`; the streak is forgotten `window` seconds after its last
-- failure or lock. Returns the seconds the streak is locked from now (0: not locked).
CREATE FUNCTION throttle_failure(p_scope text, p_key bigint, p_threshold integer,
                                 p_initial integer, p_max integer, p_window integer)
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    s throttle_streaks%ROWTYPE;
    t timestamptz := clock_timestamp();
    d bigint;
    allowed integer;
BEGIN
    INSERT INTO throttle_streaks VALUES (p_scope, p_key, 0, 0, t, t, t)
        ON CONFLICT (scope, key) DO NOTHING;
    SELECT * INTO s FROM throttle_streaks WHERE scope = p_scope AND key = p_key FOR UPDATE;
    IF s.forget_at <= t THEN
        s.failures := 0;
        s.locks := 0;
        s.locked_until := t;
    END IF;
    s.failures := s.failures + 1;
    -- (Not inline in the IF: PL/pgSQL ends its condition at the first THEN, a CASE's too.)
    allowed := CASE WHEN s.locks = 0 THEN p_threshold ELSE 1 END;
    IF s.failures >= allowed THEN
        d := least(p_max::bigint, p_initial::bigint << least(s.locks, 30));
        s.locked_until := greatest(s.locked_until, t + make_interval(secs => d));
        s.locks := s.locks + 1;
        s.failures := 0;
    END IF;
    UPDATE throttle_streaks
       SET failures = s.failures, locks = s.locks, last_failure = t,
           locked_until = s.locked_until,
           forget_at = greatest(t, s.locked_until) + make_interval(secs => p_window)
     WHERE scope = p_scope AND key = p_key;
    RETURN CASE WHEN s.locked_until > t THEN extract(epoch FROM s.locked_until - t) ELSE 0 END;
END
$$;
