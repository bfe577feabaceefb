-- Active opt-ins per account, kept by a trigger on opt_ins (every writer counts, also bulk
-- SQL): the cap check of each new opt-in (R2) reads one row instead of counting the
-- account's opt-ins, which took longer with every opt-in. Opt-ins of an account are
-- written under its account lock already, so the row adds no contention.
CREATE TABLE opt_in_counts (
    account_id bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    active     bigint NOT NULL
);

INSERT INTO opt_in_counts (account_id, active)
    SELECT account_id, count(*) FROM opt_ins GROUP BY account_id;

CREATE FUNCTION count_opt_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO opt_in_counts (account_id, active) VALUES (NEW.account_id, 1)
            ON CONFLICT (account_id) DO UPDATE SET active = opt_in_counts.active + 1;
        RETURN NEW;
    END IF;
    UPDATE opt_in_counts SET active = active - 1 WHERE account_id = OLD.account_id;
    RETURN OLD;
END
$$;

CREATE TRIGGER opt_ins_counted AFTER INSERT OR DELETE ON opt_ins
    FOR EACH ROW EXECUTE FUNCTION count_opt_ins();
