//! Reply helpers on [`Client`]: each writes one RESP value into the client's reply buffer in
//! the client's protocol version, through [`crate::resp::ReplyWriter`].

use super::client::Client;
use crate::resp::{Protocol, ReplyWriter};

impl Client {
    fn writer(&mut self) -> ReplyWriter<'_> {
        let protocol = if self.resp == 3 { Protocol::Resp3 } else { Protocol::Resp2 };
        ReplyWriter::new(&mut self.reply, protocol)
    }
    pub fn add_ok(&mut self) {
        self.reply.extend_from_slice(b"+OK\r\n");
    }
    pub fn add_simple(&mut self, s: &str) {
        self.writer().simple(s);
    }
    /// `msg` is the whole error text, e.g. "ERR syntax error" or "WRONGTYPE ...".
    pub fn add_error(&mut self, msg: &str) {
        self.writer().error(msg);
    }
    pub fn add_int(&mut self, n: i64) {
        self.writer().int(n);
    }
    pub fn add_bulk(&mut self, b: &[u8]) {
        self.writer().bulk(b);
    }
    pub fn add_null(&mut self) {
        self.writer().null();
    }
    pub fn add_null_array(&mut self) {
        self.writer().null_array();
    }
    pub fn add_array_len(&mut self, n: usize) {
        self.writer().array_len(n);
    }
    pub fn add_map_len(&mut self, n: usize) {
        self.writer().map_len(n);
    }
    pub fn add_set_len(&mut self, n: usize) {
        self.writer().set_len(n);
    }
    pub fn add_double(&mut self, d: f64) {
        self.writer().double(d);
    }
    pub fn add_verbatim(&mut self, text: &str) {
        self.writer().verbatim(text.as_bytes(), b"txt");
    }
    pub fn add_bulk_or_null(&mut self, b: Option<&[u8]>) {
        match b {
            Some(b) => self.add_bulk(b),
            None => self.add_null(),
        }
    }
    pub fn add_wrong_type(&mut self) {
        self.add_error("WRONGTYPE Operation against a key holding the wrong kind of value");
    }
    pub fn add_syntax_error(&mut self) {
        self.add_error("ERR syntax error");
    }
    pub fn add_not_integer(&mut self) {
        self.add_error("ERR value is not an integer or out of range");
    }
}
