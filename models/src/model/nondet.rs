//! Commands whose correct answer is not unique: KEYS (order), SCAN (cursor and batches),
//! RANDOMKEY (choice), DBSIZE (Redis counts expired keys not yet reclaimed), INCRBYFLOAT
//! (`long double` vs the model's `f64`), SORT (a set's own order, ties), and EXEC (it may
//! contain any of these).
//!
//! `Model::check_and_adopt` validates an engine's reply against the set of valid replies and
//! then makes the model's state follow the engine's choice (INCRBYFLOAT stores the engine's
//! string). Everything else, including errors and replies while queueing in MULTI, must match
//! `apply` exactly.

use super::keys::parse_scan;
use super::keyspace::Value;
use super::num::{parse_f64, LONG_DOUBLE_CHARS_MAX};
use super::reply::Reply;
use super::{hash, set, table, txn, Ctx, Model};

/// Relative tolerance between the engine's INCRBYFLOAT result and the model's `f64` one.
const FLOAT_TOLERANCE_RELATIVE: f64 = 1e-9;

impl Model {
    /// Is the command's answer order-dependent, random or approximate in the model?
    /// Such commands should go through [`Model::check_and_adopt`] instead of [`Model::apply`].
    pub fn is_nondeterministic(argv: &[Vec<u8>]) -> bool {
        matches!(
            table::name_of(argv),
            Some("keys" | "scan" | "randomkey" | "dbsize" | "incrbyfloat" | "exec")
                | Some("hgetall" | "hkeys" | "hvals" | "hincrbyfloat" | "hrandfield" | "hscan")
                | Some("smembers" | "sinter" | "sunion" | "sdiff" | "spop" | "srandmember" | "sscan")
                | Some("zrandmember" | "zscan")
                | Some("sort" | "sort_ro")
        )
    }

    /// Check that `engine_reply` is a valid answer to `argv` from `client` at `now_ms`, and
    /// apply the command's effect as the engine chose it. `Err` explains the disagreement:
    /// `expected .., found ..`.
    pub fn check_and_adopt(
        &mut self,
        client: u64,
        argv: &[Vec<u8>],
        now_ms: i64,
        engine_reply: &Reply,
    ) -> Result<(), String> {
        let db = self.clients.entry(client).or_default().db;
        let mut ctx = Ctx { client, db, now_ms };
        let outcome = self.check_one(&mut ctx, argv, engine_reply);
        if let Some(c) = self.clients.get_mut(&client) {
            c.db = ctx.db;
        }
        outcome
    }

    fn check_one(&mut self, ctx: &mut Ctx, argv: &[Vec<u8>], engine: &Reply) -> Result<(), String> {
        let spec = match table::check(argv) {
            Ok(spec) if !self.in_multi(ctx.client) || spec.runs_inside_multi => spec,
            _ => return same(&self.process(ctx, argv), engine, argv),
        };
        match spec.name {
            "exec" => self.check_exec(ctx, argv, engine),
            "keys" => check_keys(&(spec.run)(self, ctx, argv), engine, argv),
            "scan" => self.check_scan(ctx, argv, engine),
            "randomkey" => self.check_randomkey(ctx, engine),
            "dbsize" => self.check_dbsize(ctx, engine),
            "incrbyfloat" => self.check_incrbyfloat(ctx, argv, engine),
            "hgetall" | "hkeys" | "hvals" | "hincrbyfloat" | "hrandfield" | "hscan" => {
                hash::check_nondet(self, ctx, spec.name, argv, engine)
            }
            "smembers" | "sinter" | "sunion" | "sdiff" | "spop" | "srandmember" | "sscan" => {
                set::check_nondet(self, ctx, spec.name, argv, engine)
            }
            "zrandmember" | "zscan" => super::zset_check::check_nondet(self, ctx, spec.name, argv, engine),
            "sort" | "sort_ro" => super::sort::check_nondet(self, ctx, argv, engine, spec.name == "sort_ro"),
            _ => same(&(spec.run)(self, ctx, argv), engine, argv),
        }
    }

    fn check_exec(
        &mut self,
        ctx: &mut Ctx,
        argv: &[Vec<u8>],
        engine: &Reply,
    ) -> Result<(), String> {
        let queue = match txn::exec_prelude(self, ctx) {
            Ok(queue) => queue,
            Err(reply) => return same(&reply, engine, argv),
        };
        let Reply::Array(items) = engine else {
            return Err(format!(
                "EXEC: expected an array of {} replies, found {engine}",
                queue.len()
            ));
        };
        if items.len() != queue.len() {
            return Err(format!(
                "EXEC: expected {} replies, found {}",
                queue.len(),
                items.len()
            ));
        }
        for (cmd, item) in queue.iter().zip(items) {
            self.check_one(ctx, cmd, item)
                .map_err(|e| format!("inside EXEC: {e}"))?;
        }
        Ok(())
    }

    fn check_scan(&mut self, ctx: &Ctx, argv: &[Vec<u8>], engine: &Reply) -> Result<(), String> {
        let args = match parse_scan(argv) {
            Ok(a) => a,
            Err(e) => return same(&e, engine, argv),
        };
        let bad = || format!("SCAN: malformed reply {engine}");
        let Reply::Array(parts) = engine else {
            return Err(bad());
        };
        let [Reply::Bulk(cursor), Reply::Array(keys)] = parts.as_slice() else {
            return Err(bad());
        };
        if cursor.is_empty() || !cursor.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        for key in keys {
            let Reply::Bulk(key) = key else {
                return Err(bad());
            };
            let valid = self.dbs[ctx.db]
                .get(key)
                .is_some_and(|e| !e.is_expired(ctx.now_ms) && args.accepts(key, e));
            if !valid {
                let key = String::from_utf8_lossy(key);
                return Err(format!(
                    "SCAN returned {key:?}, which is not a visible matching key"
                ));
            }
        }
        Ok(())
    }

    fn check_randomkey(&mut self, ctx: &Ctx, engine: &Reply) -> Result<(), String> {
        let visible = self.visible_keys(ctx.db, ctx.now_ms);
        match engine {
            Reply::Nil if visible.is_empty() => Ok(()),
            Reply::Bulk(k) if visible.contains(k) => Ok(()),
            _ => Err(format!(
                "RANDOMKEY: expected one of {} visible keys, found {engine}",
                visible.len()
            )),
        }
    }

    fn check_dbsize(&mut self, ctx: &Ctx, engine: &Reply) -> Result<(), String> {
        let low = self.visible_keys(ctx.db, ctx.now_ms).len() as i64;
        let high = self.physical_len(ctx.db) as i64;
        match engine {
            Reply::Int(n) if (low..=high).contains(n) => Ok(()),
            _ => Err(format!(
                "DBSIZE: expected an integer in {low}..={high}, found {engine}"
            )),
        }
    }

    fn check_incrbyfloat(
        &mut self,
        ctx: &mut Ctx,
        argv: &[Vec<u8>],
        engine: &Reply,
    ) -> Result<(), String> {
        let expected = (table::check(argv).map_err(|e| e.to_string())?.run)(self, ctx, argv);
        let overflow = matches!(&expected, Reply::Error(e) if e.contains("NaN or Infinity"));
        let engine_value = match engine {
            Reply::Bulk(b) => parse_f64(b).or_else(|| overflowing(b)),
            _ => None,
        };
        let stored_beyond_f64 = matches!(&expected, Reply::Error(e) if e.contains("not a valid float"))
            && parse_f64(&argv[2]).is_some()
            && self.dbs[ctx.db].get_mut(&argv[1]).is_some_and(|e| match &e.value {
                Value::Str(t) => t.len() < LONG_DOUBLE_CHARS_MAX && overflowing(t).is_some(),
                _ => false,
            });
        let acceptable = match (&expected, engine_value) {
            (Reply::Bulk(model), Some(found)) => parse_f64(model).is_some_and(|m| close(m, found)),
            // f64 overflowed where long double did not: accept a value beyond f64's range.
            (_, Some(found)) if overflow => found.is_infinite(),
            // The stored value is beyond f64's range but a valid long double (an earlier
            // result adopted from the engine): long double adds, f64 cannot parse it.
            (_, Some(found)) if stored_beyond_f64 => found.is_infinite(),
            _ => false,
        };
        if !acceptable {
            return same(&expected, engine, argv);
        }
        if let (Reply::Bulk(text), Some(e)) = (engine, self.dbs[ctx.db].get_mut(&argv[1])) {
            e.value = Value::Str(text.clone());
        }
        Ok(())
    }
}

/// A decimal too large for `f64` (long double reaches ~1e4932): +/- infinity.
fn overflowing(b: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(b).ok()?;
    let v: f64 = text.parse().ok()?;
    v.is_infinite().then_some(v)
}

fn close(a: f64, b: f64) -> bool {
    if a == b {
        return true;
    }
    let scale = a.abs().max(b.abs());
    (a - b).abs() <= FLOAT_TOLERANCE_RELATIVE * scale
}

fn check_keys(expected: &Reply, engine: &Reply, argv: &[Vec<u8>]) -> Result<(), String> {
    match (expected, engine) {
        (Reply::Array(want), Reply::Array(got)) => {
            let (mut want, mut got) = (want.clone(), got.clone());
            want.sort_by_key(|r| r.to_string());
            got.sort_by_key(|r| r.to_string());
            same(&Reply::Array(want), &Reply::Array(got), argv)
        }
        _ => same(expected, engine, argv),
    }
}

fn same(expected: &Reply, found: &Reply, argv: &[Vec<u8>]) -> Result<(), String> {
    if expected == found {
        return Ok(());
    }
    let cmd: Vec<String> = argv
        .iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    Err(format!("{cmd:?}: expected {expected}, found {found}"))
}
