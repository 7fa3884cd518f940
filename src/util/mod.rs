//! Small helpers that must behave exactly like Redis's util.c: glob matching, number parsing
//! and formatting, and INCRBYFLOAT's long double arithmetic.

pub mod glob;
pub mod longdouble;
pub mod number;

pub use glob::string_match;
pub use longdouble::{incr_by_float, string2ld, IncrFloatError};
pub use number::{d2string, ll2vec, write_i64, write_u64, string2d, string2l, string2ll, LONG_STR_SIZE};
