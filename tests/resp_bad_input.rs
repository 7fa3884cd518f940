//! Hostile and malformed input for `keel::resp`: random bytes, huge declared lengths,
//! deep nesting, requests split at every byte, inline-quoting edge cases.
//!
//! A counting global allocator records the largest single allocation made by the test
//! thread, so "no allocation sized by an untrusted length" is checked directly.

use keel::resp::{
    encode_command, parse_frame, write_frame, Argv, FrameLimits, Limits, ParseError,
    RequestParser,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct PeakAlloc;

thread_local! {
    static LARGEST_ALLOC: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

fn note(size: usize) {
    let _ = LARGEST_ALLOC.try_with(|peak| peak.set(peak.get().max(size)));
}

#[global_allocator]
static GLOBAL: PeakAlloc = PeakAlloc;

/// Runs `f` and returns its result with the largest allocation it made on this thread.
fn largest_alloc_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST_ALLOC.with(|peak| peak.set(0));
    let out = f();
    (out, LARGEST_ALLOC.with(Cell::get))
}

/// What a server loop makes of a byte stream: the commands, then how it stopped.
#[derive(Debug, PartialEq)]
struct Outcome {
    commands: Vec<Vec<Vec<u8>>>,
    end: Result<(), ParseError>,
}

/// Feeds `input` in pieces ending at `cuts` (and at the end), parsing as a server does:
/// append the piece, parse commands until one is incomplete, drop consumed bytes.
fn serve(input: &[u8], cuts: &[usize], limits: &Limits) -> Outcome {
    let mut parser = RequestParser::new();
    let mut argv = Argv::new();
    let mut buf = Vec::new();
    let mut commands = Vec::new();
    let mut fed = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        buf.extend_from_slice(&input[fed..cut.max(fed)]);
        fed = cut.max(fed);
        loop {
            match parser.parse(&buf, limits, &mut argv) {
                Ok(Some(consumed)) => {
                    commands.push(argv.to_vecs());
                    buf.drain(..consumed);
                }
                Ok(None) => break,
                Err(e) => return Outcome { commands, end: Err(e) },
            }
        }
    }
    Outcome { commands, end: Ok(()) }
}

fn serve_whole(input: &[u8]) -> Outcome {
    serve(input, &[], &Limits::default())
}

fn serve_bytewise(input: &[u8]) -> Outcome {
    let cuts: Vec<usize> = (1..input.len()).collect();
    serve(input, &cuts, &Limits::default())
}

fn first_error(input: &[u8]) -> ParseError {
    match serve_whole(input).end {
        Err(e) => e,
        Ok(()) => panic!("no error for {:?}", String::from_utf8_lossy(input)),
    }
}

fn reply_of(e: &ParseError) -> String {
    let mut out = Vec::new();
    e.write_reply(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Bytes biased towards the protocol's own characters, so the parsers go deep.
fn random_input(rng: &mut ChaCha8Rng) -> Vec<u8> {
    const ALPHABET: &[u8] = b"*$+-:_,#(=!%~>|\r\n\r\n0123456789-1 \"'\\xaf";
    let len = rng.gen_range(0..80);
    (0..len)
        .map(|_| {
            if rng.gen_bool(0.8) {
                ALPHABET[rng.gen_range(0..ALPHABET.len())]
            } else {
                rng.gen()
            }
        })
        .collect()
}

#[test]
fn random_bytes_never_panic_and_parse_the_same_in_any_split() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x6b65656c);
    for _ in 0..20_000 {
        let input = random_input(&mut rng);
        let whole = serve_whole(&input);
        assert_eq!(serve_bytewise(&input), whole, "input {input:?}");
        let cut = rng.gen_range(0..=input.len());
        assert_eq!(serve(&input, &[cut], &Limits::default()), whole, "input {input:?}");
        let _ = parse_frame(&input, &FrameLimits::default());
    }
}

/// Frames built from whole tokens, with the odd byte changed, so that many parse.
fn random_frame_input(rng: &mut ChaCha8Rng) -> Vec<u8> {
    const TOKENS: &[&[u8]] = &[
        b"*2\r\n", b"*1\r\n", b"*-1\r\n", b"%1\r\n", b"~2\r\n", b">1\r\n", b"|1\r\n",
        b":1\r\n", b":-42\r\n", b"+OK\r\n", b"-ERR x\r\n", b"!3\r\na\nb\r\n", b"$3\r\nabc\r\n",
        b"$-1\r\n", b"_\r\n", b",1.5\r\n", b",-inf\r\n", b",-nan\r\n", b",1e400\r\n", b"#t\r\n",
        b"(123\r\n", b"=6\r\ntxt:hi\r\n", b"+\xff\n\r\n",
    ];
    let mut out = Vec::new();
    for _ in 0..rng.gen_range(1..12) {
        out.extend_from_slice(TOKENS[rng.gen_range(0..TOKENS.len())]);
    }
    if rng.gen_bool(0.3) {
        let at = rng.gen_range(0..out.len());
        out[at] = rng.gen();
    }
    out
}

#[test]
fn random_frames_reparse_to_themselves() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut parsed = 0;
    for _ in 0..50_000 {
        let input = random_frame_input(&mut rng);
        if let Ok(Some((frame, _))) = parse_frame(&input, &FrameLimits::default()) {
            let mut bytes = Vec::new();
            write_frame(&frame, &mut bytes);
            let again = parse_frame(&bytes, &FrameLimits::default());
            let Ok(Some((again, used))) = again else { panic!("{frame:?} -> {bytes:?}") };
            assert!(again.same(&frame) && used == bytes.len(), "{frame:?} -> {again:?}");
            parsed += 1;
        }
    }
    assert!(parsed > 10_000, "only {parsed} random inputs parsed: generator too weak");
}

#[test]
fn huge_multibulk_counts_get_redis_errors_or_wait_without_allocating() {
    let limits = Limits::default();
    let cases: &[(&[u8], Option<&str>)] = &[
        (b"*2147483648\r\n", Some("-ERR Protocol error: invalid multibulk length\r\n")),
        (b"*99999999999999999999999\r\n", Some("-ERR Protocol error: invalid multibulk length\r\n")),
        (b"*2147483647\r\n", None),
        (b"*1048577\r\n", None),
        (b"*2147483647\r\n$536870912\r\nabc", None),
        (b"*1\r\n$9999999999\r\n", Some("-ERR Protocol error: invalid bulk length\r\n")),
        (b"*1\r\n$536870913\r\n", Some("-ERR Protocol error: invalid bulk length\r\n")),
        (b"*1\r\n$536870912\r\n", None),
    ];
    for &(input, want) in cases {
        let mut argv = Argv::new();
        let (got, peak) = largest_alloc_during(|| RequestParser::new().parse(input, &limits, &mut argv));
        match want {
            Some(text) => assert_eq!(got.as_ref().map_err(reply_of), Err(text.to_string())),
            None => assert_eq!(got, Ok(None), "{input:?}"),
        }
        assert!(peak <= 1024 * 8, "{input:?} allocated {peak} bytes at once");
        assert!(argv.heap_bytes() <= 1024 * 8 + input.len(), "{input:?}");
    }
}

#[test]
fn bulk_header_without_multibulk_is_an_inline_command() {
    let outcome = serve_whole(b"$9999999999\r\n");
    assert_eq!(outcome.commands, vec![vec![b"$9999999999".to_vec()]]);
}

#[test]
fn huge_frame_lengths_wait_or_fail_without_allocating() {
    let limits = FrameLimits::default();
    for input in [&b"*2147483647\r\n"[..], b"%2147483647\r\n", b"$536870912\r\n", b"~1000000\r\n:1\r\n"] {
        let (got, peak) = largest_alloc_during(|| parse_frame(input, &limits));
        assert_eq!(got, Ok(None), "{input:?}");
        assert!(peak <= 1024 * 64, "{input:?} allocated {peak} bytes at once");
    }
    for input in [&b"*2147483648\r\n"[..], b"$536870913\r\n", b"*9999999999999999999999\r\n"] {
        let (got, peak) = largest_alloc_during(|| parse_frame(input, &limits));
        assert!(got.is_err(), "{input:?}");
        assert!(peak <= 1024 * 64, "{input:?} allocated {peak} bytes at once");
    }
}

#[test]
fn deeply_nested_frames_get_a_depth_error_not_a_stack_overflow() {
    let input = b"*1\r\n".repeat(100_000);
    let got = parse_frame(&input, &FrameLimits::default());
    assert_eq!(got, Err(ParseError::Frame("Protocol error: nesting too deep")));
    let maps = b"%1\r\n".repeat(100_000);
    assert!(parse_frame(&maps, &FrameLimits::default()).is_err());
    let attributes = b"|1\r\n".repeat(100_000);
    assert!(parse_frame(&attributes, &FrameLimits::default()).is_err());
}

#[test]
fn nested_multibulk_requests_are_rejected_like_redis() {
    let e = first_error(&b"*1\r\n".repeat(100));
    assert_eq!(reply_of(&e), "-ERR Protocol error: expected '$', got '*'\r\n");
}

#[test]
fn pipeline_split_at_every_byte_boundary_parses_the_same() {
    let mut input = Vec::new();
    encode_command(&[b"SET", b"key", b"a\r\nvalue with\0bytes"], &mut input);
    input.extend_from_slice(b"PING\r\n\r\nECHO \"a b\\x41\" 'c\\'d'\n*0\r\n*-1\r\n");
    encode_command(&[b"MGET", b"a", b"", b"c"], &mut input);
    input.extend_from_slice(b"  GET   k  \r\n");
    let whole = serve_whole(&input);
    assert_eq!(whole.end, Ok(()));
    assert_eq!(whole.commands.len(), 8, "{:?}", whole.commands);
    assert_eq!(whole.commands[3], vec![b"ECHO".to_vec(), b"a bA".to_vec(), b"c'd".to_vec()]);
    assert_eq!(serve_bytewise(&input), whole);
    for cut in 0..=input.len() {
        assert_eq!(serve(&input, &[cut], &Limits::default()), whole, "cut at {cut}");
    }
}

#[test]
fn inline_quotes_escapes_and_unbalanced_quotes() {
    let outcome = serve_whole(b"SET k \"\\n\\r\\t\\b\\a\\\\\\\"\\xff\\x4g\"\r\nECHO foo\"bar\"\r\n");
    assert_eq!(outcome.end, Ok(()));
    assert_eq!(outcome.commands[0][2], b"\n\r\t\x08\x07\\\"\xffx4g".to_vec());
    assert_eq!(outcome.commands[1], vec![b"ECHO".to_vec(), b"foobar".to_vec()]);
    for bad in [&b"ECHO \"a\r\n"[..], b"ECHO \"a\"b\r\n", b"ECHO 'a'b\r\n", b"ECHO 'abc\r\n"] {
        let e = first_error(bad);
        assert_eq!(reply_of(&e), "-ERR Protocol error: unbalanced quotes in request\r\n");
    }
}

#[test]
fn inline_line_of_64_kib_is_accepted_and_one_byte_more_is_too_big() {
    let max = Limits::default().inline_max;
    let mut ok_line = b"ECHO ".to_vec();
    ok_line.resize(max, b'x');
    ok_line.push(b'\n');
    let outcome = serve_whole(&ok_line);
    assert_eq!(outcome.end, Ok(()));
    assert_eq!(outcome.commands[0][1].len(), max - 5);

    let mut long_line = b"ECHO ".to_vec();
    long_line.resize(max + 1, b'x');
    for input in [long_line.clone(), [long_line.as_slice(), b"\r\n"].concat()] {
        let e = first_error(&input);
        assert_eq!(reply_of(&e), "-ERR Protocol error: too big inline request\r\n");
        assert_eq!(serve_bytewise(&input).end, Err(e));
    }
}

#[test]
fn header_lines_longer_than_inline_max_are_too_big() {
    let max = Limits::default().inline_max;
    let count = [b"*".as_slice(), &vec![b'1'; max]].concat();
    let e = first_error(&count);
    assert_eq!(reply_of(&e), "-ERR Protocol error: too big mbulk count string\r\n");
    let bulk = [b"*1\r\n$".as_slice(), &vec![b'1'; max]].concat();
    let e = first_error(&bulk);
    assert_eq!(reply_of(&e), "-ERR Protocol error: too big bulk count string\r\n");
}

#[test]
fn large_argument_arriving_in_16_kib_reads_parses_whole() {
    let value = vec![b'v'; 4 * 1024 * 1024];
    let mut input = Vec::new();
    encode_command(&[b"SET", b"k", &value], &mut input);
    let cuts: Vec<usize> = (1..input.len() / 16384).map(|i| i * 16384).collect();
    let outcome = serve(&input, &cuts, &Limits::default());
    assert_eq!(outcome.end, Ok(()));
    assert_eq!(outcome.commands[0][2].len(), value.len());
}
