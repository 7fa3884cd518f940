//! RESP, the Redis serialization protocol (RESP2 and RESP3): the server's request parser
//! and reply writer, and a client-side frame codec.
//!
//! - [`RequestParser`] + [`Argv`] + [`Limits`]: requests in, Redis 7.0's
//!   `processMultibulkBuffer` / `processInlineBuffer` behaviour and error texts
//!   ([`ParseError`]); see `request.rs` for the wire format.
//! - [`ReplyWriter`] + [`Protocol`] + [`shared`]: replies out, `addReply*` style.
//! - [`Frame`], [`parse_frame`], [`write_frame`], [`encode_command`]: the client side.
//!
//! Invariants: no input makes these functions panic; no allocation is sized by a length
//! read off the wire without a cap (see `limits.rs`).
//!
//! Example, a whole exchange: the client sends `*1\r\n$4\r\nPING\r\n`
//! (`2a 31 0d 0a 24 34 0d 0a 50 49 4e 47 0d 0a`), the server parses `["PING"]` and
//! replies [`shared::PONG`], `+PONG\r\n`, which the client parses as
//! `Frame::Simple("PONG")`.

mod argv;
mod error;
mod frame;
mod frame_parse;
mod inline;
mod limits;
pub mod number;
pub mod peek;
mod reply;
mod request;

pub use argv::Argv;
pub use error::ParseError;
pub use frame::{encode_command, write_frame, Frame};
pub use frame_parse::parse_frame;
pub use limits::{
    FrameLimits, Limits, ARGV_DATA_KEEP_MAX, ARGV_PREALLOC_MAX, UNAUTHENTICATED_BULK_MAX,
    UNAUTHENTICATED_MULTIBULK_MAX,
};
pub use reply::{shared, Protocol, ReplyWriter};
pub use request::RequestParser;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_example_ping_exchange() {
        let request = [0x2a, 0x31, 0x0d, 0x0a, 0x24, 0x34, 0x0d, 0x0a, 0x50, 0x49, 0x4e, 0x47, 0x0d, 0x0a];
        let mut argv = Argv::new();
        let got = RequestParser::new().parse(&request, &Limits::default(), &mut argv);
        assert_eq!(got, Ok(Some(14)));
        assert_eq!(argv.to_vecs(), vec![b"PING".to_vec()]);
        let mut reply = Vec::new();
        ReplyWriter::new(&mut reply, Protocol::Resp2).raw(shared::PONG);
        let frame = parse_frame(&reply, &FrameLimits::default());
        assert_eq!(frame, Ok(Some((Frame::Simple("PONG".into()), 7))));
    }
}
