//! Target `resp_parse`: arbitrary bytes through the request parser (whole and split at a
//! fuzzer-chosen point) and the frame parser.
//!
//! Input: `[u16 LE split][small-limits flag][bytes...]`. Asserts: no panic; a request stream
//! parses to the same commands and the same error whether it arrives in one piece or two; a
//! frame that parses re-parses from its own encoding to the same frame (`parse(write(f)) ==
//! f`, doubles compared by bits); the pipeline look-ahead (`resp::peek::first_keys`) reports
//! a prefix of the keys (argument 1) of the requests the parser returns.

use keel::resp::peek::first_keys;
use keel::resp::{parse_frame, write_frame, Argv, FrameLimits, Limits, ParseError, RequestParser};

use super::input::Input;

pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let split = input.u16();
    let small_limits = input.bool();
    let bytes = input.rest();
    let limits = if small_limits {
        Limits { inline_max: 16, bulk_max: 64, multibulk_max: 8, query_buffer_max: 256 }
    } else {
        Limits::default()
    };
    let cut = usize::from(split) % (bytes.len() + 1);
    // The query-buffer limit depends on how much is buffered at once, so compare splits
    // only when it cannot trigger.
    // Parsed whole with the default limits: the look-ahead's reference (it checks no limits).
    let whole = serve(bytes, &[], &Limits::default());
    if bytes.len() < limits.query_buffer_max / 2 {
        let whole_here = if small_limits { serve(bytes, &[], &limits) } else { whole.clone() };
        assert_eq!(whole_here, serve(bytes, &[cut], &limits));
    } else {
        let _ = serve(bytes, &[cut], &limits);
    }
    check_peek(bytes, &whole.0);
    check_frame(bytes, &FrameLimits::default());
    let tight = FrameLimits { depth_max: 4, elements_max: 8, bulk_max: 64, line_max: 32, prealloc_max: 2 };
    check_frame(bytes, &tight);
}

/// The look-ahead's keys are argument 1 of the parsed requests that have one, in order.
fn check_peek(bytes: &[u8], commands: &[Vec<Vec<u8>>]) {
    let mut keys = [&[][..]; 16];
    let n = first_keys(bytes, &mut keys);
    let parsed: Vec<&[u8]> = commands.iter().filter(|c| c.len() >= 2).map(|c| &c[1][..]).collect();
    assert!(parsed.len() >= n && parsed[..n] == keys[..n], "{:?} vs {parsed:?}", &keys[..n]);
}

fn check_frame(bytes: &[u8], limits: &FrameLimits) {
    if let Ok(Some((frame, used))) = parse_frame(bytes, limits) {
        assert!(used <= bytes.len());
        let mut encoded = Vec::new();
        write_frame(&frame, &mut encoded);
        match parse_frame(&encoded, &FrameLimits::default()) {
            Ok(Some((again, n))) => assert!(again.same(&frame) && n == encoded.len(), "{frame:?}"),
            other => panic!("{frame:?} encoded as {encoded:?} reparsed as {other:?}"),
        }
    }
}

fn serve(input: &[u8], cuts: &[usize], limits: &Limits) -> (Vec<Vec<Vec<u8>>>, Result<(), ParseError>) {
    let mut parser = RequestParser::new();
    let mut argv = Argv::new();
    let mut buf = Vec::new();
    let mut commands = Vec::new();
    let mut fed = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        buf.extend_from_slice(&input[fed..cut]);
        fed = cut;
        loop {
            match parser.parse(&buf, limits, &mut argv) {
                Ok(Some(consumed)) => {
                    assert!(consumed > 0 && consumed <= buf.len());
                    commands.push(argv.to_vecs());
                    buf.drain(..consumed);
                }
                Ok(None) => break,
                Err(e) => return (commands, Err(e)),
            }
        }
    }
    (commands, Ok(()))
}
