-- Repeated identical answers that changed nothing and were no fault (the same host, client, user
-- agent, dialect and outcome) may be written as one row with their exact count: at tens of
-- thousands of no-change answers a second the writer could not insert a row each, and dropped
-- them. `repeats` is how many requests the row stands for; logged_at is the last of them and
-- first_logged_at the first (NULL when the row is a single request). Every request is counted:
-- sum(repeats) is the number of requests logged.
ALTER TABLE update_log
    ADD COLUMN repeats integer NOT NULL DEFAULT 1 CHECK (repeats >= 1),
    ADD COLUMN first_logged_at timestamptz CHECK (first_logged_at IS NULL OR repeats > 1);
