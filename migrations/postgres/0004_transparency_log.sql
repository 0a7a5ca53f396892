-- The transparency log (CONTRACT §4): every event, in commit order, is a leaf of an
-- RFC 6962 Merkle tree. A leaf's index is its contiguous position in that order (the
-- notification ids have gaps: a failed insert burns sequence values); perfect subtree
-- hashes are stored so a proof at any size reads O(log² n) rows; checkpoints are the
-- signed tree heads.
CREATE TABLE merkle_leaves (
    leaf_index bigint PRIMARY KEY,
    notification_id bigint NOT NULL UNIQUE,
    event_id text NOT NULL UNIQUE,
    household_id text NOT NULL
);

CREATE INDEX merkle_leaves_household_idx ON merkle_leaves (household_id, leaf_index);

CREATE TABLE merkle_nodes (
    level smallint NOT NULL,
    idx bigint NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (level, idx)
);

CREATE TABLE checkpoints (
    tree_size bigint PRIMARY KEY,
    root_hash text NOT NULL,
    timestamp text NOT NULL,  -- exactly as signed
    signature text NOT NULL,
    public_key text NOT NULL
);
