-- Active opt-ins per account, kept by triggers on opt_ins (every writer counts, also bulk
-- SQL): the cap check of each new opt-in (R2) reads one row instead of counting the
-- account's opt-ins, which took longer with every opt-in.
CREATE TABLE opt_in_counts (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    active     INTEGER NOT NULL
);

INSERT INTO opt_in_counts (account_id, active)
    SELECT account_id, count(*) FROM opt_ins GROUP BY account_id;

CREATE TRIGGER opt_ins_counted AFTER INSERT ON opt_ins
BEGIN
    INSERT INTO opt_in_counts (account_id, active) VALUES (NEW.account_id, 1)
        ON CONFLICT (account_id) DO UPDATE SET active = active + 1;
END;

CREATE TRIGGER opt_ins_uncounted AFTER DELETE ON opt_ins
BEGIN
    UPDATE opt_in_counts SET active = active - 1 WHERE account_id = OLD.account_id;
END;
