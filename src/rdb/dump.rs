//! DUMP / RESTORE payloads: one value in RDB encoding, then a 2-byte RDB version and a CRC-64
//! (Jones) of everything before it, both little-endian (Redis's `createDumpPayload`).
//!
//! ```text
//! [type byte] [value in RDB encoding] [version u16 LE] [crc64 u64 LE]
//! 00 03 'b' 'a' 'r' | 09 00 | <8 bytes>      = the string "bar", RDB version 9
//! ```
//! Keel writes version 9 (types ≤ 15), which Redis 5, 6 and 7 accept. It accepts payloads of
//! versions up to 10 (Redis 7.0's) whose checksum matches, and validates the value as the RDB
//! loader does: a corrupt payload is refused, never half-applied.

use super::load::value as load_value;
use super::reader::Reader;
use super::save::put_loaded_value;
use super::value::LoadedValue;
use crate::encoding::crc64::crc64;
use crate::object::Value;

/// RDB version written in DUMP footers.
pub const DUMP_RDB_VERSION: u16 = 9;
/// Newest RDB version a RESTORE payload may carry (Redis 7.0's).
pub const RESTORE_RDB_VERSION_MAX: u16 = 10;

/// Why a payload was refused, with Redis's reply texts.
#[derive(Debug, PartialEq, Eq)]
pub enum PayloadError {
    /// `ERR DUMP payload version or checksum are wrong`
    VersionOrChecksum,
    /// `ERR Bad data format`
    BadData,
}

impl PayloadError {
    pub fn reply(&self) -> &'static str {
        match self {
            PayloadError::VersionOrChecksum => "ERR DUMP payload version or checksum are wrong",
            PayloadError::BadData => "ERR Bad data format",
        }
    }
}

/// DUMP's payload for `value`.
pub fn dump_payload(value: &Value, compress: bool) -> Vec<u8> {
    let mut body = Vec::new();
    let rdb_type = put_loaded_value(&mut body, &LoadedValue::from_engine(value), compress);
    let mut out = Vec::with_capacity(body.len() + 11);
    out.push(rdb_type);
    out.extend_from_slice(&body);
    out.extend_from_slice(&DUMP_RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Check the footer and decode the value of a RESTORE payload.
pub fn parse_payload(payload: &[u8], key: &[u8]) -> Result<LoadedValue, PayloadError> {
    if payload.len() < 11 {
        return Err(PayloadError::VersionOrChecksum);
    }
    let body_end = payload.len() - 10;
    let version = u16::from_le_bytes([payload[body_end], payload[body_end + 1]]);
    let mut crc_bytes = [0u8; 8];
    crc_bytes.copy_from_slice(&payload[body_end + 2..]);
    if version > RESTORE_RDB_VERSION_MAX || crc64(0, &payload[..body_end + 2]) != u64::from_le_bytes(crc_bytes) {
        return Err(PayloadError::VersionOrChecksum);
    }
    let mut r = Reader::new(&payload[..body_end]);
    let rdb_type = r.u8().map_err(|_| PayloadError::BadData)?;
    match load_value::read(&mut r, rdb_type, key, 0, None) {
        Ok(Some(value)) if r.remaining() == 0 && !value.is_empty() => Ok(value),
        _ => Err(PayloadError::BadData),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::Str;

    #[test]
    fn doc_example_string_payload_round_trips() {
        let payload = dump_payload(&Value::Str(Str::from_bytes(b"bar")), false);
        assert_eq!(&payload[..7], &[0x00, 0x03, b'b', b'a', b'r', 0x09, 0x00]);
        assert_eq!(parse_payload(&payload, b"k"), Ok(LoadedValue::Str(b"bar".to_vec())));
    }

    #[test]
    fn a_flipped_byte_or_a_newer_version_is_refused() {
        let mut payload = dump_payload(&Value::Str(Str::from_bytes(b"hello world")), false);
        payload[3] ^= 1;
        assert_eq!(parse_payload(&payload, b"k"), Err(PayloadError::VersionOrChecksum));
        assert_eq!(parse_payload(b"short", b"k"), Err(PayloadError::VersionOrChecksum));
    }

    #[test]
    fn every_truncation_and_flip_is_refused_or_decoded_without_panic() {
        let payload = dump_payload(&Value::Str(Str::from_bytes(&[b'x'; 300])), true);
        for cut in 0..payload.len() {
            let _ = parse_payload(&payload[..cut], b"k");
        }
        for i in 0..payload.len() {
            for bit in [1u8, 0x80, 0xff] {
                let mut p = payload.clone();
                p[i] ^= bit;
                let _ = parse_payload(&p, b"k");
            }
        }
    }
}
