-- possdk host store, version 3: terminal keys as an HSM's key blocks
-- (link.TerminalKeyStore, pgstore.BlockKeyStore). A key block is already
-- encrypted and authenticated under the HSM's local master key, so the
-- row needs no sealing of its own; field 62 is under the terminal's TMK.
-- keyset holds the working-key state (issued, confirmed, previous,
-- recent) as JSON; gen orders changes (optimistic concurrency).
CREATE TABLE host_terminal_key_blocks (
    tid    text   PRIMARY KEY,
    tmk    text   NOT NULL,
    keyset jsonb,
    gen    bigint NOT NULL DEFAULT 0
);
