//! The Merkle tree over the log: RFC 6962 / RFC 9162 tree hashing, the complete subtrees a store
//! keeps so that proofs never re-read the log, inclusion and consistency proofs, and their
//! verification.
//!
//! Leaf *i* (from 0) is the event at position *i*+1. Its leaf input is that event's chain hash
//! ([`crate::event_hash`]) as 32 raw bytes, so the leaf hash is
//! `SHA-256(0x00 || chain hash)`; an interior node is `SHA-256(0x01 || left || right)`; the root
//! of the empty tree is `SHA-256("")`. Tree size *n* is the log up to position *n*.
//!
//! A store keeps every complete subtree's hash, named by a [`NodeId`] (its level, 0 for leaves,
//! and its index within the level), written in the same transaction as the events that complete
//! it ([`new_nodes`]): from level [`STORED_FROM`] up in the row of the event that ends its range
//! ([`tree_columns`]), below it computed from the chain hashes of the events under it. Any root,
//! inclusion or consistency proof is made of the hashes of ranges of
//! leaves that split into at most a logarithmic number of such subtrees ([`Range::nodes`]): a
//! proof names the nodes it needs ([`InclusionProof::nodes`], [`ConsistencyProof::nodes`]), the
//! store reads them, and the proof is assembled from them here.

use std::collections::HashMap;
use std::fmt;

use sha2::{Digest, Sha256};

use crate::{Hash, RecordedEvent};

/// The root of the tree of no leaves: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = Hash([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/// The hash of a leaf: `SHA-256(0x00 || input)`.
pub fn leaf_hash(input: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(input);
    Hash(h.finalize().into())
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

/// The leaf hash of a recorded event: over its chain hash.
pub fn event_leaf(event: &RecordedEvent) -> Hash {
    leaf_hash(&event.hash.0)
}

/// A complete subtree: the `2^level` leaves from `index * 2^level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub fn new(level: u8, index: u64) -> Self {
        Self { level, index }
    }

    /// The position of the event that ends the node's range of leaves: the event whose append
    /// completes it, in whose row a store keeps it ([`tree_columns`]).
    pub fn holder(self) -> u64 {
        (self.index + 1) << self.level
    }

    /// Whether the node's hash is kept in its holder's tree column rather than computed from the
    /// chain hashes of the events under it ([`STORED_FROM`]).
    pub fn is_stored(self) -> bool {
        self.level >= STORED_FROM
    }

    /// The positions of the rows the node's hash is read from ([`NodeId::in_rows`]): its
    /// holder's, and for a node below [`STORED_FROM`] every event under it.
    pub fn rows(self) -> std::ops::RangeInclusive<u64> {
        let holder = self.holder();
        if self.is_stored() { holder..=holder } else { holder + 1 - (1 << self.level)..=holder }
    }

    /// The node's hash from the rows [`NodeId::rows`] names, each given by `row` as its chain hash
    /// and tree column: a node below [`STORED_FROM`] from the leaves of the events under it, and a
    /// node above from its holder's tree column. `None` when a row is missing, the holder's column
    /// is absent (the tree does not hold the event yet) or it is too short.
    pub fn in_rows<'a>(self, row: impl Fn(u64) -> Option<(&'a [u8], Option<&'a [u8]>)>) -> Option<Hash> {
        let (_, column) = row(self.holder())?;
        let column = column?;
        if self.is_stored() {
            let at = usize::from(self.level - STORED_FROM) * 32;
            return column.get(at..at + 32).and_then(Hash::from_slice);
        }
        let mut hashes: Vec<Hash> =
            self.rows().map(|p| row(p).map(|(chain, _)| leaf_hash(chain))).collect::<Option<_>>()?;
        while hashes.len() > 1 {
            hashes = hashes.chunks_exact(2).map(|pair| node_hash(&pair[0], &pair[1])).collect();
        }
        hashes.pop()
    }
}

/// The lowest level whose nodes are stored. A leaf is computed from its event's chain hash and a
/// node of level 1 from the two leaves under it, so the tree adds 16 bytes to an event on average
/// (64 / 2^`STORED_FROM`) where storing level 1 too took 32, for one more row read per proof.
/// Storing from level 4 up (4 bytes an event, up to eight rows read for a node) made appends no
/// faster in the store benchmark (`docs/benchmarks.md`).
pub const STORED_FROM: u8 = 2;

/// The tree column of each of the `count` events appended after position `size`, from the nodes
/// appending them completes ([`new_nodes`]): the hashes of the nodes from level [`STORED_FROM`] up
/// that the event ends, lowest level first, 32 bytes each (none for a position not a multiple of
/// 2^`STORED_FROM`). The nodes below are computed from the events' chain hashes
/// ([`NodeId::in_rows`]).
pub fn tree_columns(size: u64, count: usize, nodes: &[TreeNode]) -> Vec<Vec<u8>> {
    let mut columns = vec![Vec::new(); count];
    for node in nodes.iter().filter(|node| node.id.is_stored()) {
        columns[(node.id.holder() - size - 1) as usize].extend_from_slice(&node.hash.0);
    }
    columns
}

/// Whether a store's appends keep the stored Merkle tree up to date in their own transaction.
/// Every store a person or a service opens keeps it ([`TreeUpkeep::Kept`]). A store opened with
/// [`TreeUpkeep::LeftBehind`] writes events only, so that a benchmark can measure what keeping the
/// tree costs; its tree falls behind the log, `verify` says so, and the next append of a store
/// that keeps the tree (or `covenant rebuild-tree`) catches it up from the chain hashes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TreeUpkeep {
    #[default]
    Kept,
    LeftBehind,
}

/// A stored complete subtree and its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeNode {
    pub id: NodeId,
    pub hash: Hash,
}

/// The leaves `start..end` (0-based, end exclusive) as the tree splits them: `start` is a
/// multiple of the largest power of two not above `end - start`, as for every subtree of an
/// RFC 6962 tree and for every prefix of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: u64,
    pub end: u64,
}

impl Range {
    /// The complete subtrees that make up the range, left to right, largest first.
    pub fn nodes(self) -> Vec<NodeId> {
        let mut nodes = Vec::new();
        let mut start = self.start;
        while start < self.end {
            let level = (self.end - start).ilog2() as u8;
            // `start` stays aligned: each step takes the largest power of two that fits.
            let level = level.min(if start == 0 { 63 } else { start.trailing_zeros() as u8 });
            nodes.push(NodeId::new(level, start >> level));
            start += 1 << level;
        }
        nodes
    }

    /// The range's hash from the hashes of its complete subtrees, or the first one missing.
    fn hash(self, known: &HashMap<NodeId, Hash>) -> Result<Hash, MissingNode> {
        let mut nodes = self.nodes().into_iter().rev();
        let Some(last) = nodes.next() else { return Ok(EMPTY_ROOT) };
        let mut hash = *known.get(&last).ok_or(MissingNode(last))?;
        for node in nodes {
            hash = node_hash(known.get(&node).ok_or(MissingNode(node))?, &hash);
        }
        Ok(hash)
    }
}

/// A node a computation needed and was not given: the stored tree is behind the log or damaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the Merkle tree has no node at level {} index {}: run `covenant rebuild-tree` to recompute it from the log",
    .0.level,
    .0.index
)]
pub struct MissingNode(pub NodeId);

/// A node a store's writer needed and did not find where the tree holds it: the stored tree is
/// damaged, and the way out is to compute it again.
impl From<MissingNode> for crate::StoreError {
    fn from(missing: MissingNode) -> Self {
        crate::StoreError::Unavailable(format!(
            "the stored Merkle tree is damaged at {}: run `covenant rebuild-tree` to recompute it from the log",
            missing.0
        ))
    }
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    1 << (n - 1).ilog2()
}

/// The nodes whose hashes give the root of the first `size` leaves.
pub fn root_nodes(size: u64) -> Vec<NodeId> {
    Range { start: 0, end: size }.nodes()
}

/// The right edge of the tree of `size` leaves (the nodes [`root_nodes`] names) from the edge it
/// grew from and the nodes it grew by ([`new_nodes`]), in a map of its own size: a writer keeps it
/// from one append to the next, and a map that once held a large batch's nodes would otherwise
/// keep their room, which every later copy and scan of it pays for.
pub fn grown_edge(edge: &HashMap<NodeId, Hash>, nodes: &[TreeNode], size: u64) -> HashMap<NodeId, Hash> {
    let grown: HashMap<NodeId, Hash> = nodes.iter().map(|n| (n.id, n.hash)).collect();
    root_nodes(size).into_iter().filter_map(|id| grown.get(&id).or_else(|| edge.get(&id)).map(|h| (id, *h))).collect()
}

/// The root of the first `size` leaves from the nodes [`root_nodes`] names.
pub fn root(size: u64, known: &HashMap<NodeId, Hash>) -> Result<Hash, MissingNode> {
    Range { start: 0, end: size }.hash(known)
}

/// The complete subtrees that appending `leaves` (leaf hashes) to a tree of `size` leaves
/// completes, leaves included, in the order they complete. `known` must hold the nodes
/// [`root_nodes`]`(size)` names (the tree's right edge).
pub fn new_nodes(size: u64, known: &HashMap<NodeId, Hash>, leaves: &[Hash]) -> Result<Vec<TreeNode>, MissingNode> {
    let mut edge = Vec::new();
    for id in root_nodes(size) {
        edge.push(TreeNode { id, hash: *known.get(&id).ok_or(MissingNode(id))? });
    }
    let mut out = Vec::with_capacity(leaves.len() * 2);
    for (offset, leaf) in leaves.iter().enumerate() {
        let mut node = TreeNode { id: NodeId::new(0, size + offset as u64), hash: *leaf };
        out.push(node);
        while let Some(left) = edge.last().filter(|l| l.id.level == node.id.level) {
            node = TreeNode {
                id: NodeId::new(node.id.level + 1, left.id.index / 2),
                hash: node_hash(&left.hash, &node.hash),
            };
            edge.pop();
            out.push(node);
        }
        edge.push(node);
    }
    Ok(out)
}

/// Why a tree size, a leaf or a proof was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("position {position} is not in a tree of {size} events: ask for a position from 1 to {size}")]
    NotInTree { position: u64, size: u64 },
    #[error("a consistency proof goes from a smaller tree to a larger one: {from} is larger than {to}")]
    Backwards { from: u64, to: u64 },
    #[error("the proof has {found} hashes, but a proof for these sizes has {expected}")]
    WrongLength { found: usize, expected: usize },
    #[error("the proof does not lead to the expected root hash: it proves a different log or a different event")]
    RootMismatch,
    #[error("the proof does not lead to the earlier root hash: the earlier log is not a prefix of the later one")]
    FirstRootMismatch,
}

/// An inclusion proof (RFC 9162 §2.1.3): the hashes from leaf `index` up to the root of a tree
/// of `size` leaves, nearest the leaf first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    pub index: u64,
    pub size: u64,
    pub path: Vec<Hash>,
}

impl InclusionProof {
    /// The ranges whose hashes make the path of leaf `index` in a tree of `size` leaves.
    fn ranges(index: u64, size: u64) -> Result<Vec<Range>, ProofError> {
        if index >= size {
            return Err(ProofError::NotInTree { position: index + 1, size });
        }
        // PATH(m, D[start:end]), written as a loop from the root down, then reversed so that
        // the hash nearest the leaf comes first.
        let (mut start, mut end, mut out) = (0, size, Vec::new());
        while end - start > 1 {
            let k = split(end - start);
            if index < start + k {
                out.push(Range { start: start + k, end });
                end = start + k;
            } else {
                out.push(Range { start, end: start + k });
                start += k;
            }
        }
        out.reverse();
        Ok(out)
    }

    /// The stored nodes a proof for leaf `index` in a tree of `size` leaves needs.
    pub fn nodes(index: u64, size: u64) -> Result<Vec<NodeId>, ProofError> {
        Ok(Self::ranges(index, size)?.into_iter().flat_map(Range::nodes).collect())
    }

    /// Assembles the proof from the nodes [`InclusionProof::nodes`] named.
    pub fn assemble(
        index: u64,
        size: u64,
        known: &HashMap<NodeId, Hash>,
    ) -> Result<Result<Self, MissingNode>, ProofError> {
        let ranges = Self::ranges(index, size)?;
        Ok(ranges.into_iter().map(|r| r.hash(known)).collect::<Result<_, _>>().map(|path| Self { index, size, path }))
    }

    /// Checks that `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves whose root
    /// is `root` (RFC 9162 §2.1.3.2).
    pub fn verify(&self, leaf: &Hash, root: &Hash) -> Result<(), ProofError> {
        if self.index >= self.size {
            return Err(ProofError::NotInTree { position: self.index + 1, size: self.size });
        }
        let expected = Self::ranges(self.index, self.size)?.len();
        if self.path.len() != expected {
            return Err(ProofError::WrongLength { found: self.path.len(), expected });
        }
        let (mut f, mut s, mut r) = (self.index, self.size - 1, *leaf);
        for p in &self.path {
            if s == 0 {
                return Err(ProofError::WrongLength { found: self.path.len(), expected });
            }
            if f & 1 == 1 || f == s {
                r = node_hash(p, &r);
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            } else {
                r = node_hash(&r, p);
            }
            f >>= 1;
            s >>= 1;
        }
        if s != 0 || r != *root {
            return Err(ProofError::RootMismatch);
        }
        Ok(())
    }
}

/// A consistency proof (RFC 9162 §2.1.4): the hashes that show the tree of `from` leaves is a
/// prefix of the tree of `to` leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub path: Vec<Hash>,
}

impl ConsistencyProof {
    fn ranges(from: u64, to: u64) -> Result<Vec<Range>, ProofError> {
        if from > to {
            return Err(ProofError::Backwards { from, to });
        }
        if from == 0 || from == to {
            return Ok(Vec::new());
        }
        // SUBPROOF(m, D[start:end], b), as a loop from the root down, reversed at the end.
        let (mut m, mut start, mut end, mut whole, mut out) = (from, 0, to, true, Vec::new());
        while m != end - start {
            let k = split(end - start);
            if m <= k {
                out.push(Range { start: start + k, end });
                end = start + k;
            } else {
                out.push(Range { start, end: start + k });
                start += k;
                m -= k;
                whole = false;
            }
        }
        if !whole {
            out.push(Range { start, end });
        }
        out.reverse();
        Ok(out)
    }

    /// The stored nodes a proof from `from` to `to` leaves needs.
    pub fn nodes(from: u64, to: u64) -> Result<Vec<NodeId>, ProofError> {
        Ok(Self::ranges(from, to)?.into_iter().flat_map(Range::nodes).collect())
    }

    /// Assembles the proof from the nodes [`ConsistencyProof::nodes`] named.
    pub fn assemble(
        from: u64,
        to: u64,
        known: &HashMap<NodeId, Hash>,
    ) -> Result<Result<Self, MissingNode>, ProofError> {
        let ranges = Self::ranges(from, to)?;
        Ok(ranges.into_iter().map(|r| r.hash(known)).collect::<Result<_, _>>().map(|path| Self { from, to, path }))
    }

    /// Checks that the tree of `from` leaves with root `first` is a prefix of the tree of `to`
    /// leaves with root `second` (RFC 9162 §2.1.4.2).
    pub fn verify(&self, first: &Hash, second: &Hash) -> Result<(), ProofError> {
        let expected = Self::ranges(self.from, self.to)?.len();
        if self.path.len() != expected {
            return Err(ProofError::WrongLength { found: self.path.len(), expected });
        }
        if self.from == self.to {
            return if first == second { Ok(()) } else { Err(ProofError::RootMismatch) };
        }
        if self.from == 0 {
            return Ok(());
        }
        let mut path = self.path.iter();
        let seed = if self.from.is_power_of_two() { Some(first) } else { path.next() };
        let Some(seed) = seed else { return Err(ProofError::WrongLength { found: 0, expected }) };
        let (mut f, mut s) = (self.from - 1, self.to - 1);
        while f & 1 == 1 {
            f >>= 1;
            s >>= 1;
        }
        let (mut fr, mut sr) = (*seed, *seed);
        for c in path {
            if s == 0 {
                return Err(ProofError::WrongLength { found: self.path.len(), expected });
            }
            if f & 1 == 1 || f == s {
                fr = node_hash(c, &fr);
                sr = node_hash(c, &sr);
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            } else {
                sr = node_hash(&sr, c);
            }
            f >>= 1;
            s >>= 1;
        }
        if fr != *first {
            return Err(ProofError::FirstRootMismatch);
        }
        if s != 0 || sr != *second {
            return Err(ProofError::RootMismatch);
        }
        Ok(())
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "level {} index {}", self.level, self.index)
    }
}

#[cfg(test)]
mod tests {
    //! Known answers from the transparency-dev Go `merkle` package and Trillian: the leaf
    //! inputs, node hashes and roots of `merkle/testonly/constants.go` (google/trillian), and the
    //! inclusion and consistency proofs of `proof/verify_test.go` (transparency-dev/merkle).

    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    fn h(text: &str) -> Hash {
        Hash::parse_hex(text).expect("a known answer is a hash")
    }

    #[test]
    fn every_node_is_found_again_in_the_rows_that_keep_it() {
        for (size, count) in [(0, 37), (5, 1), (6, 2), (7, 9), (31, 33)] {
            let chain: Vec<Hash> = (0..size + count).map(|n| Hash(Sha256::digest([n as u8]).into())).collect();
            let leaves: Vec<Hash> = chain.iter().map(|c| leaf_hash(&c.0)).collect();
            let all = new_nodes(0, &HashMap::new(), &leaves[..size]).expect("the first part");
            let edge = grown_edge(&HashMap::new(), &all, size as u64);
            let grown = new_nodes(size as u64, &edge, &leaves[size..]).expect("the rest");
            let mut columns = tree_columns(0, size, &all);
            columns.extend(tree_columns(size as u64, count, &grown));
            let bytes: usize = columns.iter().map(Vec::len).sum();
            let stored = all.iter().chain(&grown).filter(|n| n.id.is_stored()).count();
            assert!(stored > 0 || size + count < 1 << STORED_FROM, "a log of {} events has stored nodes", size + count);
            assert_eq!(bytes, stored * 32, "only the nodes of level {STORED_FROM} and up are stored");
            let row = |position: u64| {
                let i = usize::try_from(position).ok()?.checked_sub(1)?;
                Some((chain.get(i)?.0.as_slice(), columns.get(i).map(Vec::as_slice)))
            };
            for node in all.iter().chain(&grown) {
                assert!(node.id.rows().all(|p| p >= 1 && p <= (size + count) as u64), "{}", node.id);
                assert_eq!(node.id.in_rows(row), Some(node.hash), "{} after {size} + {count}", node.id);
            }
            // One level computed from the events under it, one stored in its holder's column.
            for level in [STORED_FROM - 1, STORED_FROM] {
                let beyond = NodeId::new(level, ((size + count) as u64 >> level) + 1);
                assert_eq!(beyond.in_rows(row), None, "a node of level {level} past the log is not found");
            }
        }
    }

    fn inputs() -> Vec<Vec<u8>> {
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .iter()
            .map(|x| hex::decode(x).expect("hex"))
            .collect()
    }

    /// RootHashes() of Trillian's merkle/testonly, by tree size from 0.
    const ROOTS: [&str; 9] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// NodeHashes() of Trillian's merkle/testonly: every complete subtree, by level and index.
    const NODES: [(u8, u64, &str); 15] = [
        (0, 0, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        (0, 1, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        (0, 2, "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        (0, 3, "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        (0, 4, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        (0, 5, "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        (0, 6, "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        (0, 7, "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
        (1, 0, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        (1, 1, "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        (1, 2, "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        (1, 3, "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
        (2, 0, "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        (2, 1, "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        (3, 0, "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
    ];

    /// A proof's known answer: two numbers saying which proof, and its path, each node by its
    /// level and index in [`NODES`].
    type Vector = (u64, u64, Vec<(u8, u64)>);

    /// Inclusion proofs of transparency-dev/merkle's proof/verify_test.go: (leaf, 1-based as
    /// there; size; path).
    fn inclusion_vectors() -> Vec<Vector> {
        vec![
            (1, 1, vec![]),
            (1, 8, vec![(0, 1), (1, 1), (2, 1)]),
            (6, 8, vec![(0, 4), (1, 3), (2, 0)]),
            (3, 3, vec![(1, 0)]),
            (2, 5, vec![(0, 0), (1, 1), (0, 4)]),
        ]
    }

    /// Consistency proofs of transparency-dev/merkle's proof/verify_test.go: (size1, size2, path).
    fn consistency_vectors() -> Vec<Vector> {
        vec![
            (1, 1, vec![]),
            (1, 8, vec![(0, 1), (1, 1), (2, 1)]),
            (6, 8, vec![(1, 2), (1, 3), (2, 0)]),
            (2, 5, vec![(1, 1), (0, 4)]),
            (6, 7, vec![(1, 2), (0, 6), (2, 0)]),
        ]
    }

    /// The hash of a node of [`NODES`], by its level and index.
    fn node(level: u8, index: u64) -> Hash {
        let (.., hash) = NODES.iter().find(|n| (n.0, n.1) == (level, index)).expect("a node of NODES");
        h(hash)
    }

    /// Every node of a tree built leaf by leaf with [`new_nodes`].
    fn grow(leaves: &[Hash]) -> HashMap<NodeId, Hash> {
        let mut known = HashMap::new();
        for (size, leaf) in leaves.iter().enumerate() {
            for node in new_nodes(size as u64, &known, std::slice::from_ref(leaf)).expect("the edge is kept") {
                known.insert(node.id, node.hash);
            }
        }
        known
    }

    /// The tree hash of RFC 6962 §2.1, written as the RFC defines it.
    fn naive_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => EMPTY_ROOT,
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
            }
        }
    }

    fn naive_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return Vec::new();
        }
        let k = split(n as u64) as usize;
        if m < k {
            let mut path = naive_path(m, &leaves[..k]);
            path.push(naive_root(&leaves[k..]));
            path
        } else {
            let mut path = naive_path(m - k, &leaves[k..]);
            path.push(naive_root(&leaves[..k]));
            path
        }
    }

    fn naive_subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if whole { Vec::new() } else { vec![naive_root(leaves)] };
        }
        let k = split(n as u64) as usize;
        if m <= k {
            let mut path = naive_subproof(m, &leaves[..k], whole);
            path.push(naive_root(&leaves[k..]));
            path
        } else {
            let mut path = naive_subproof(m - k, &leaves[k..], false);
            path.push(naive_root(&leaves[..k]));
            path
        }
    }

    fn leaves() -> Vec<Hash> {
        inputs().iter().map(|i| leaf_hash(i)).collect()
    }

    #[test]
    fn the_empty_root_is_the_hash_of_nothing() {
        assert_eq!(EMPTY_ROOT, Hash(Sha256::digest(b"").into()));
        assert_eq!(root(0, &HashMap::new()), Ok(EMPTY_ROOT));
    }

    #[test]
    fn roots_and_nodes_match_the_known_answers() {
        let known = grow(&leaves());
        for (level, index, hash) in NODES {
            assert_eq!(known.get(&NodeId::new(level, index)), Some(&h(hash)), "node {level}/{index}");
        }
        assert_eq!(known.len(), NODES.len(), "only complete subtrees are kept");
        for (size, expected) in ROOTS.iter().enumerate() {
            assert_eq!(root(size as u64, &known), Ok(h(expected)), "root of {size}");
        }
    }

    #[test]
    fn inclusion_proofs_match_the_known_answers() {
        let known = grow(&leaves());
        for (leaf, size, path) in inclusion_vectors() {
            let proof = InclusionProof::assemble(leaf - 1, size, &known).expect("in the tree").expect("all nodes");
            assert_eq!(
                proof.path,
                path.iter().map(|&(level, index)| node(level, index)).collect::<Vec<_>>(),
                "leaf {leaf} of {size}"
            );
            proof.verify(&leaves()[leaf as usize - 1], &h(ROOTS[size as usize])).expect("verifies");
        }
    }

    #[test]
    fn consistency_proofs_match_the_known_answers() {
        let known = grow(&leaves());
        for (from, to, path) in consistency_vectors() {
            let proof = ConsistencyProof::assemble(from, to, &known).expect("forwards").expect("all nodes");
            assert_eq!(
                proof.path,
                path.iter().map(|&(level, index)| node(level, index)).collect::<Vec<_>>(),
                "{from} to {to}"
            );
            proof.verify(&h(ROOTS[from as usize]), &h(ROOTS[to as usize])).expect("verifies");
        }
    }

    #[test]
    fn altered_inclusion_proofs_are_refused() {
        let leaves = leaves();
        let known = grow(&leaves);
        let root = h(ROOTS[8]);
        let good = InclusionProof::assemble(5, 8, &known).expect("in").expect("nodes");
        good.verify(&leaves[5], &root).expect("the original verifies");
        let mut probes = vec![
            InclusionProof { index: 4, ..good.clone() },
            InclusionProof { index: 6, ..good.clone() },
            InclusionProof { size: 16, ..good.clone() },
            InclusionProof { size: 4, ..good.clone() },
            InclusionProof { path: good.path[..2].to_vec(), ..good.clone() },
            InclusionProof { path: [good.path.clone(), vec![root]].concat(), ..good.clone() },
        ];
        for i in 0..good.path.len() {
            let mut bad = good.clone();
            bad.path[i].0[0] ^= 8;
            probes.push(bad);
        }
        for probe in probes {
            assert!(probe.verify(&leaves[5], &root).is_err(), "{probe:?} was accepted");
        }
        assert_eq!(good.verify(&leaves[4], &root), Err(ProofError::RootMismatch), "another leaf");
        assert_eq!(good.verify(&leaves[5], &EMPTY_ROOT), Err(ProofError::RootMismatch), "another root");
    }

    #[test]
    fn altered_consistency_proofs_are_refused() {
        let known = grow(&leaves());
        let (first, second) = (h(ROOTS[6]), h(ROOTS[8]));
        let good = ConsistencyProof::assemble(6, 8, &known).expect("forwards").expect("nodes");
        good.verify(&first, &second).expect("the original verifies");
        let mut probes = vec![
            ConsistencyProof { from: 5, ..good.clone() },
            ConsistencyProof { from: 7, ..good.clone() },
            ConsistencyProof { to: 16, ..good.clone() },
            ConsistencyProof { to: 4, ..good.clone() },
            ConsistencyProof { path: Vec::new(), ..good.clone() },
            ConsistencyProof { path: good.path[..2].to_vec(), ..good.clone() },
            ConsistencyProof { path: [vec![first], good.path.clone()].concat(), ..good.clone() },
        ];
        for i in 0..good.path.len() {
            let mut bad = good.clone();
            bad.path[i].0[0] ^= 16;
            probes.push(bad);
        }
        for probe in probes {
            assert!(probe.verify(&first, &second).is_err(), "{probe:?} was accepted");
        }
        assert!(good.verify(&second, &first).is_err(), "swapped roots");
        assert_eq!(good.verify(&EMPTY_ROOT, &second), Err(ProofError::FirstRootMismatch));
    }

    #[test]
    fn sizes_outside_the_tree_are_refused_in_words() {
        let error = InclusionProof::nodes(8, 8).expect_err("leaf 8 is the ninth");
        assert_eq!(error.to_string(), "position 9 is not in a tree of 8 events: ask for a position from 1 to 8");
        assert_eq!(ConsistencyProof::nodes(9, 8), Err(ProofError::Backwards { from: 9, to: 8 }));
        let missing = root(3, &HashMap::new()).expect_err("nothing is known");
        assert!(missing.to_string().contains("covenant rebuild-tree"), "{missing}");
    }

    #[test]
    fn an_edge_grown_by_a_large_batch_keeps_only_the_room_it_needs() {
        let leaves: Vec<Hash> = (0..10_000u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let nodes = new_nodes(0, &HashMap::new(), &leaves).expect("from the start");
        let edge = grown_edge(&HashMap::new(), &nodes, 10_000);
        assert_eq!(edge.keys().copied().collect::<HashSet<_>>(), root_nodes(10_000).into_iter().collect());
        assert_eq!(root(10_000, &edge), Ok(naive_root(&leaves)));
        // Not the room of the 20,000 nodes it was grown from: a writer copies it on every append.
        assert!(edge.capacity() < 64, "an edge of {} nodes holds room for {}", edge.len(), edge.capacity());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn the_kept_tree_agrees_with_the_naive_tree(
            count in 0usize..40,
            batches in proptest::collection::vec(1usize..9, 0..20),
            seed in any::<u8>(),
        ) {
            let leaves: Vec<Hash> = (0..count).map(|i| leaf_hash(&[seed, i as u8, (i >> 8) as u8])).collect();
            // Grown in batches of the given sizes, as group commits would.
            // Each batch also grows the right edge a writer keeps, which alone must suffice.
            let mut known = HashMap::new();
            let mut edge = HashMap::new();
            let mut size = 0;
            let mut batches = batches.into_iter().cycle();
            while size < count {
                let take = batches.next().unwrap_or(1).min(count - size);
                let nodes = new_nodes(size as u64, &edge, &leaves[size..size + take]).expect("edge kept");
                size += take;
                edge = grown_edge(&edge, &nodes, size as u64);
                known.extend(nodes.into_iter().map(|n| (n.id, n.hash)));
                prop_assert_eq!(root(size as u64, &edge), Ok(naive_root(&leaves[..size])));
            }
            prop_assert_eq!(known, grow(&leaves));
            let known = grow(&leaves);
            for n in 0..=count {
                prop_assert_eq!(root(n as u64, &known), Ok(naive_root(&leaves[..n])));
                for m in 0..n {
                    let proof = InclusionProof::assemble(m as u64, n as u64, &known).expect("in").expect("nodes");
                    prop_assert_eq!(&proof.path, &naive_path(m, &leaves[..n]));
                    prop_assert_eq!(proof.verify(&leaves[m], &naive_root(&leaves[..n])), Ok(()));
                }
                for m in 1..n {
                    let proof = ConsistencyProof::assemble(m as u64, n as u64, &known).expect("fw").expect("nodes");
                    prop_assert_eq!(&proof.path, &naive_subproof(m, &leaves[..n], true));
                    prop_assert_eq!(
                        proof.verify(&naive_root(&leaves[..m]), &naive_root(&leaves[..n])),
                        Ok(())
                    );
                }
            }
        }
    }
}
