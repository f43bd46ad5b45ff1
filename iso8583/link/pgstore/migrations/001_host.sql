-- possdk host store, version 1: one row per request the host answered or
-- is working on, keyed by terminal, batch, STAN and request MTI; no card
-- data (a keyed hash and the masked PAN only).
CREATE TABLE host_txn (
    tid             text        NOT NULL,
    batch           bigint      NOT NULL,
    stan            bigint      NOT NULL,
    mti             text        NOT NULL,
    kind            smallint    NOT NULL,
    state           smallint    NOT NULL,
    fingerprint     bytea       NOT NULL,
    amount          bigint      NOT NULL,
    card_hash       bytea       NOT NULL,
    card_masked     text        NOT NULL,
    rc              text        NOT NULL,
    auth_code       text        NOT NULL,
    rrn             text        NOT NULL,
    local_time      text        NOT NULL,
    local_date      text        NOT NULL,
    settlement_date text        NOT NULL,
    add_response    text        NOT NULL,
    add_data        text        NOT NULL,
    add_amounts     text        NOT NULL,
    issuer_data     bytea,
    keys            bytea,
    approved        boolean     NOT NULL,
    reversed        boolean     NOT NULL,
    voided          boolean     NOT NULL,
    refunded        bigint      NOT NULL,
    completed       bigint      NOT NULL,
    orig_tid        text,
    orig_batch      bigint,
    orig_stan       bigint,
    orig_mti        text,
    settled         boolean     NOT NULL,
    owner           text        NOT NULL,
    lease           timestamptz NOT NULL,
    created         timestamptz NOT NULL,
    PRIMARY KEY (tid, batch, stan, mti)
);
-- Completions and pre-authorisation voids find the hold by 38 (+ 61.3).
CREATE INDEX host_txn_auth ON host_txn (tid, auth_code) WHERE approved AND auth_code <> '';
-- Settlement totals a terminal's open batch.
CREATE INDEX host_txn_open ON host_txn (tid, batch) WHERE NOT settled;
-- Pruning by age.
CREATE INDEX host_txn_created ON host_txn (created);

CREATE SEQUENCE host_seq_rrn;
CREATE SEQUENCE host_seq_auth;

CREATE TABLE host_atc (
    card bytea  PRIMARY KEY,
    atc  bigint NOT NULL
);

CREATE TABLE host_upload (
    tid   text   NOT NULL,
    batch bigint NOT NULL,
    n     bigint NOT NULL,
    PRIMARY KEY (tid, batch)
);

-- Terminal keys, sealed (XChaCha20-Poly1305) under the hosts' key
-- encryption key: never in clear in the database.
CREATE TABLE host_terminal_keys (
    tid    text   PRIMARY KEY,
    tmk    bytea  NOT NULL,
    -- the working-key state (issued, confirmed, previous, recent), one
    -- sealed record; gen orders changes (optimistic concurrency)
    keyset bytea,
    gen    bigint NOT NULL DEFAULT 0
);
