-- The transparency log (CONTRACT §4): every event, in commit order, is a leaf of an
-- RFC 6962 Merkle tree. A leaf's index is its contiguous position in that order (the
-- library's notification ids may have gaps); perfect subtree hashes are stored so a
-- proof at any size reads O(log² n) rows; checkpoints are the signed tree heads.
CREATE TABLE merkle_leaves (
    leaf_index INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL UNIQUE,
    event_id TEXT NOT NULL UNIQUE,
    household_id TEXT NOT NULL
);

CREATE INDEX merkle_leaves_household_idx ON merkle_leaves (household_id, leaf_index);

CREATE TABLE merkle_nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
    tree_size INTEGER PRIMARY KEY,
    root_hash TEXT NOT NULL,
    timestamp TEXT NOT NULL,  -- exactly as signed
    signature TEXT NOT NULL,
    public_key TEXT NOT NULL
);
