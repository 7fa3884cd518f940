//! Named limits for every length read off the wire by the RESP parsers.
//!
//! Each limit mirrors a Redis 7.0 constant or config so that a client sees the same
//! behaviour and the same error text as with `redis-server`:
//!
//! | field              | Redis name                  | default   |
//! |--------------------|-----------------------------|-----------|
//! | `inline_max`       | `PROTO_INLINE_MAX_SIZE`     | 64 KiB    |
//! | `bulk_max`         | `proto-max-bulk-len`        | 512 MiB   |
//! | `multibulk_max`    | `INT_MAX` in `processMultibulkBuffer` | 2^31-1 |
//! | `query_buffer_max` | `client-query-buffer-limit` | 1 GiB     |
//!
//! Declared lengths are only ever *compared* against these limits; allocations are sized
//! by the bytes actually buffered, or by a constant cap such as [`ARGV_PREALLOC_MAX`].

/// Redis caps the argv preallocation at 1024 slots whatever `*<count>` the client claims
/// (`c->argv_len = min(c->multibulklen, 1024)`).
pub const ARGV_PREALLOC_MAX: usize = 1024;

/// Largest `*<count>` from a client that must still `AUTH` (Redis 7.0 `authRequired`).
pub const UNAUTHENTICATED_MULTIBULK_MAX: usize = 10;

/// Largest `$<len>` from a client that must still `AUTH`.
pub const UNAUTHENTICATED_BULK_MAX: usize = 16 * 1024;

/// After a command, [`crate::resp::Argv::clear`] gives back a data buffer larger than this,
/// so one 100 MB `SET` does not pin 100 MB for the rest of the connection.
pub const ARGV_DATA_KEEP_MAX: usize = 64 * 1024;

/// Limits for the server-side request parser ([`crate::resp::RequestParser`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest inline command line, and longest `*<count>` / `$<len>` header line
    /// (`PROTO_INLINE_MAX_SIZE`).
    pub inline_max: usize,
    /// Largest bulk argument (`proto-max-bulk-len`).
    pub bulk_max: usize,
    /// Largest `*<count>` accepted; Redis 7.0 rejects counts above `INT_MAX`.
    pub multibulk_max: usize,
    /// Largest query buffer plus partially parsed argv (`client-query-buffer-limit`).
    pub query_buffer_max: usize,
}

impl Limits {
    /// The defaults of `redis-server` 7.0.
    pub const REDIS_DEFAULT: Limits = Limits {
        inline_max: 64 * 1024,
        bulk_max: 512 * 1024 * 1024,
        multibulk_max: i32::MAX as usize,
        query_buffer_max: 1024 * 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::REDIS_DEFAULT
    }
}

/// Limits for the client-side frame parser ([`crate::resp::parse_frame`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameLimits {
    /// Deepest nesting of aggregates (arrays, maps, sets, pushes, attributes). The parser
    /// recurses once per level, so this also bounds its stack use.
    pub depth_max: usize,
    /// Largest element count of one aggregate (a map of `n` pairs counts `n`).
    pub elements_max: usize,
    /// Largest bulk, verbatim or blob-error payload.
    pub bulk_max: usize,
    /// Longest simple line (`+`, `-`, `:`, `,`, `(`, headers).
    pub line_max: usize,
    /// Most element slots preallocated for one aggregate, whatever its declared count.
    pub prealloc_max: usize,
}

impl FrameLimits {
    /// Generous defaults for test clients: Redis's own limits, depth 128.
    pub const DEFAULT: FrameLimits = FrameLimits {
        depth_max: 128,
        elements_max: i32::MAX as usize,
        bulk_max: 512 * 1024 * 1024,
        line_max: 64 * 1024,
        prealloc_max: ARGV_PREALLOC_MAX,
    };
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits::DEFAULT
    }
}
