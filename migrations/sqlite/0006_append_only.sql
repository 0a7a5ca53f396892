-- History is appended, never changed (issue 5): the stored events, the transparency log
-- (leaves, subtree hashes, signed checkpoints), idempotency keys and material uploads
-- refuse UPDATE and DELETE from anyone, the service included (it only ever inserts
-- into them). Whoever can write the file can still drop these triggers; `ledger audit`
-- against the signed checkpoints is what catches that. The read models, the tracking
-- row and api_tokens (revocation) stay writable. A later migration that adds an
-- append-only table adds its own pair of triggers.
CREATE TRIGGER ledger_events_append_only_update BEFORE UPDATE ON ledger_events
BEGIN
    SELECT RAISE(ABORT, 'ledger_events is append-only: UPDATE refused');
END;
CREATE TRIGGER ledger_events_append_only_delete BEFORE DELETE ON ledger_events
BEGIN
    SELECT RAISE(ABORT, 'ledger_events is append-only: DELETE refused');
END;

CREATE TRIGGER merkle_leaves_append_only_update BEFORE UPDATE ON merkle_leaves
BEGIN
    SELECT RAISE(ABORT, 'merkle_leaves is append-only: UPDATE refused');
END;
CREATE TRIGGER merkle_leaves_append_only_delete BEFORE DELETE ON merkle_leaves
BEGIN
    SELECT RAISE(ABORT, 'merkle_leaves is append-only: DELETE refused');
END;

CREATE TRIGGER merkle_nodes_append_only_update BEFORE UPDATE ON merkle_nodes
BEGIN
    SELECT RAISE(ABORT, 'merkle_nodes is append-only: UPDATE refused');
END;
CREATE TRIGGER merkle_nodes_append_only_delete BEFORE DELETE ON merkle_nodes
BEGIN
    SELECT RAISE(ABORT, 'merkle_nodes is append-only: DELETE refused');
END;

CREATE TRIGGER checkpoints_append_only_update BEFORE UPDATE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'checkpoints is append-only: UPDATE refused');
END;
CREATE TRIGGER checkpoints_append_only_delete BEFORE DELETE ON checkpoints
BEGIN
    SELECT RAISE(ABORT, 'checkpoints is append-only: DELETE refused');
END;

CREATE TRIGGER idempotency_keys_append_only_update BEFORE UPDATE ON idempotency_keys
BEGIN
    SELECT RAISE(ABORT, 'idempotency_keys is append-only: UPDATE refused');
END;
CREATE TRIGGER idempotency_keys_append_only_delete BEFORE DELETE ON idempotency_keys
BEGIN
    SELECT RAISE(ABORT, 'idempotency_keys is append-only: DELETE refused');
END;

CREATE TRIGGER materials_append_only_update BEFORE UPDATE ON materials
BEGIN
    SELECT RAISE(ABORT, 'materials is append-only: UPDATE refused');
END;
CREATE TRIGGER materials_append_only_delete BEFORE DELETE ON materials
BEGIN
    SELECT RAISE(ABORT, 'materials is append-only: DELETE refused');
END;
