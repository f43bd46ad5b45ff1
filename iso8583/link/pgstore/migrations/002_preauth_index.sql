-- possdk host store, version 2: only approved pre-authorisations are
-- found by their authorisation code (completions and pre-auth voids, by
-- 38 + 61.3), so only they are indexed by it. Version 1 indexed every
-- approved record with an authorisation code — an index entry per sale
-- that nothing reads. 7 is iso8583.KindPreAuth as stored in kind
-- (pgstore's TestPreAuthIndexKind checks it).
DROP INDEX host_txn_auth;
CREATE INDEX host_txn_preauth ON host_txn (tid, auth_code) WHERE approved AND kind = 7;
