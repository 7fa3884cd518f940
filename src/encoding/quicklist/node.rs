//! One quicklist node: a ziplist, kept either raw or LZF-compressed (`quicklistNode` with
//! `quicklistLZF`). Compression follows `__quicklistCompressNode`: nodes under 48 bytes are
//! never compressed, and a compression that saves fewer than 8 bytes is discarded.

use std::borrow::Cow;

use crate::encoding::lzf;
use crate::encoding::ziplist::Ziplist;

/// Below this many bytes a node is not worth compressing (`MIN_COMPRESS_BYTES`).
const COMPRESS_BYTES_MIN: usize = 48;
/// A compressed node must be at least this much smaller (`MIN_COMPRESS_IMPROVE`).
const COMPRESS_IMPROVE_MIN: usize = 8;

#[derive(Debug, Clone)]
enum Data {
    /// `tried`: a compression attempt failed since the last change, don't retry.
    Raw { zl: Ziplist, tried: bool },
    Lzf { compressed: Vec<u8>, raw_len: usize },
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    data: Data,
    count: usize,
}

impl Node {
    pub fn new(zl: Ziplist) -> Node {
        let count = zl.len();
        Node { data: Data::Raw { zl, tried: false }, count }
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Bytes of the uncompressed ziplist (`node->sz`).
    pub fn size(&self) -> usize {
        match &self.data {
            Data::Raw { zl, .. } => zl.blob_len(),
            Data::Lzf { raw_len, .. } => *raw_len,
        }
    }

    /// Bytes held on the heap: the ziplist's buffer or the LZF bytes.
    pub fn alloc_bytes(&self) -> usize {
        match &self.data {
            Data::Raw { zl, .. } => zl.alloc_bytes(),
            Data::Lzf { compressed, .. } => compressed.capacity(),
        }
    }

    pub fn is_compressed(&self) -> bool {
        matches!(self.data, Data::Lzf { .. })
    }

    /// The compressed bytes, if the node is compressed.
    pub fn compressed(&self) -> Option<&[u8]> {
        match &self.data {
            Data::Lzf { compressed, .. } => Some(compressed),
            Data::Raw { .. } => None,
        }
    }

    /// Read access, decompressing into a temporary if needed.
    pub fn ziplist(&self) -> Cow<'_, Ziplist> {
        match &self.data {
            Data::Raw { zl, .. } => Cow::Borrowed(zl),
            Data::Lzf { compressed, raw_len } => Cow::Owned(inflate(compressed, *raw_len, self.count)),
        }
    }

    /// Write access: decompresses in place; the caller must `sync` the count afterwards.
    pub fn ziplist_mut(&mut self) -> &mut Ziplist {
        self.decompress();
        match &mut self.data {
            Data::Raw { zl, tried } => {
                *tried = false;
                zl
            }
            Data::Lzf { .. } => unreachable!("decompressed just above"),
        }
    }

    /// Refresh the cached count after a change through `ziplist_mut`.
    pub fn sync(&mut self) {
        if let Data::Raw { zl, .. } = &self.data {
            self.count = zl.len();
        }
    }

    pub fn into_ziplist(self) -> Ziplist {
        match self.data {
            Data::Raw { zl, .. } => zl,
            Data::Lzf { compressed, raw_len } => inflate(&compressed, raw_len, self.count),
        }
    }

    pub fn decompress(&mut self) {
        if let Data::Lzf { compressed, raw_len } = &self.data {
            let zl = inflate(compressed, *raw_len, self.count);
            self.data = Data::Raw { zl, tried: false };
        }
    }

    /// Try to compress (`__quicklistCompressNode`); keeps the node raw if it is too small or
    /// does not shrink enough, and remembers the failure until the node changes.
    pub fn compress(&mut self) {
        let Data::Raw { zl, tried } = &mut self.data else { return };
        if *tried {
            return;
        }
        let raw_len = zl.blob_len();
        let packed = (raw_len >= COMPRESS_BYTES_MIN)
            .then(|| lzf::compress_max(zl.as_bytes(), raw_len))
            .flatten()
            .filter(|c| c.len() + COMPRESS_IMPROVE_MIN < raw_len);
        match packed {
            Some(compressed) => self.data = Data::Lzf { compressed, raw_len },
            None => *tried = true,
        }
    }
}

fn inflate(compressed: &[u8], raw_len: usize, count: usize) -> Ziplist {
    let bytes = lzf::decompress(compressed, raw_len, raw_len)
        .expect("quicklist invariant: a node decompresses to what was compressed");
    Ziplist::from_trusted(bytes, count)
}
