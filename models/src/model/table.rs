//! The command table: name, arity (Redis convention: `n` exact, `-n` at least n, counting the
//! name), whether the command may write, whether it runs immediately inside MULTI, and the
//! function that executes it. Also the rejection replies `processCommand` gives before running
//! anything (unknown command, wrong arity); inside MULTI those flag the transaction.

use super::reply::Reply;
use super::{expire, hash, keys, list, server, set, sort, stream, strings, txn, zset, zset_check, zset_range, Ctx, Model};

pub(super) type Run = fn(&mut Model, &mut Ctx, &[Vec<u8>]) -> Reply;

pub(super) struct Spec {
    pub name: &'static str,
    pub arity: i32,
    pub write: bool,
    pub runs_inside_multi: bool,
    pub run: Run,
}

const fn cmd(name: &'static str, arity: i32, write: bool, run: Run) -> Spec {
    Spec {
        name,
        arity,
        write,
        runs_inside_multi: false,
        run,
    }
}

const fn ctl(name: &'static str, arity: i32, run: Run) -> Spec {
    Spec {
        name,
        arity,
        write: false,
        runs_inside_multi: true,
        run,
    }
}

static TABLE: &[Spec] = &[
    cmd("get", 2, false, strings::get),
    cmd("set", -3, true, strings::set),
    cmd("setnx", 3, true, strings::setnx),
    cmd("setex", 4, true, strings::setex),
    cmd("psetex", 4, true, strings::psetex),
    cmd("getset", 3, true, strings::getset),
    cmd("getdel", 2, true, strings::getdel),
    cmd("getex", -2, true, strings::getex),
    cmd("mget", -2, false, strings::mget),
    cmd("mset", -3, true, strings::mset),
    cmd("msetnx", -3, true, strings::msetnx),
    cmd("incr", 2, true, strings::incr),
    cmd("decr", 2, true, strings::decr),
    cmd("incrby", 3, true, strings::incrby),
    cmd("decrby", 3, true, strings::decrby),
    cmd("incrbyfloat", 3, true, strings::incrbyfloat),
    cmd("append", 3, true, strings::append),
    cmd("strlen", 2, false, strings::strlen),
    cmd("getrange", 4, false, strings::getrange),
    cmd("setrange", 4, true, strings::setrange),
    cmd("del", -2, true, keys::del),
    cmd("unlink", -2, true, keys::del),
    cmd("exists", -2, false, keys::exists),
    cmd("type", 2, false, keys::type_),
    cmd("expire", -3, true, expire::expire),
    cmd("pexpire", -3, true, expire::pexpire),
    cmd("expireat", -3, true, expire::expireat),
    cmd("pexpireat", -3, true, expire::pexpireat),
    cmd("ttl", 2, false, expire::ttl),
    cmd("pttl", 2, false, expire::pttl),
    cmd("expiretime", 2, false, expire::expiretime),
    cmd("pexpiretime", 2, false, expire::pexpiretime),
    cmd("persist", 2, true, expire::persist),
    cmd("rename", 3, true, keys::rename),
    cmd("renamenx", 3, true, keys::renamenx),
    cmd("copy", -3, true, keys::copy),
    cmd("move", 3, true, keys::move_),
    cmd("touch", -2, false, keys::touch),
    cmd("keys", 2, false, keys::keys),
    cmd("sort", -2, true, sort::sort),
    cmd("sort_ro", -2, false, sort::sort_ro),
    cmd("scan", -2, false, keys::scan),
    cmd("randomkey", 1, false, keys::randomkey),
    cmd("dbsize", 1, false, server::dbsize),
    cmd("select", 2, false, server::select),
    cmd("swapdb", 3, true, server::swapdb),
    cmd("flushdb", -1, true, server::flushdb),
    cmd("flushall", -1, true, server::flushall),
    cmd("ping", -1, false, server::ping),
    cmd("echo", 2, false, server::echo),
    cmd("unwatch", 1, false, txn::unwatch),
    Spec {
        name: "exec",
        arity: 1,
        write: true,
        runs_inside_multi: true,
        run: txn::exec,
    },
    ctl("multi", 1, txn::multi),
    ctl("discard", 1, txn::discard),
    ctl("watch", -2, txn::watch),
    cmd("lpush", -3, true, list::lpush),
    cmd("rpush", -3, true, list::rpush),
    cmd("lpushx", -3, true, list::lpushx),
    cmd("rpushx", -3, true, list::rpushx),
    cmd("linsert", 5, true, list::linsert),
    cmd("llen", 2, false, list::llen),
    cmd("lindex", 3, false, list::lindex),
    cmd("lset", 4, true, list::lset),
    cmd("lrange", 4, false, list::lrange),
    cmd("ltrim", 4, true, list::ltrim),
    cmd("lrem", 4, true, list::lrem),
    cmd("lpos", -3, false, list::lpos),
    cmd("lpop", -2, true, list::lpop),
    cmd("rpop", -2, true, list::rpop),
    cmd("rpoplpush", 3, true, list::rpoplpush),
    cmd("lmove", 5, true, list::lmove),
    cmd("lmpop", -4, true, list::lmpop),
    cmd("blpop", -3, true, list::blpop),
    cmd("brpop", -3, true, list::brpop),
    cmd("brpoplpush", 4, true, list::brpoplpush),
    cmd("blmove", 6, true, list::blmove),
    cmd("blmpop", -5, true, list::blmpop),
    cmd("hset", -4, true, hash::hset),
    cmd("hmset", -4, true, hash::hmset),
    cmd("hsetnx", 4, true, hash::hsetnx),
    cmd("hdel", -3, true, hash::hdel),
    cmd("hincrby", 4, true, hash::hincrby),
    cmd("hincrbyfloat", 4, true, hash::hincrbyfloat),
    cmd("hget", 3, false, hash::hget),
    cmd("hmget", -3, false, hash::hmget),
    cmd("hlen", 2, false, hash::hlen),
    cmd("hstrlen", 3, false, hash::hstrlen),
    cmd("hexists", 3, false, hash::hexists),
    cmd("hgetall", 2, false, hash::hgetall),
    cmd("hkeys", 2, false, hash::hkeys),
    cmd("hvals", 2, false, hash::hvals),
    cmd("hrandfield", -2, false, hash::hrandfield),
    cmd("hscan", -3, false, hash::hscan),
    cmd("sadd", -3, true, set::sadd),
    cmd("srem", -3, true, set::srem),
    cmd("smove", 4, true, set::smove),
    cmd("sismember", 3, false, set::sismember),
    cmd("smismember", -3, false, set::smismember),
    cmd("scard", 2, false, set::scard),
    cmd("smembers", 2, false, set::smembers),
    cmd("sinter", -2, false, set::sinter),
    cmd("sintercard", -3, false, set::sintercard),
    cmd("sinterstore", -3, true, set::sinterstore),
    cmd("sunion", -2, false, set::sunion),
    cmd("sunionstore", -3, true, set::sunionstore),
    cmd("sdiff", -2, false, set::sdiff),
    cmd("sdiffstore", -3, true, set::sdiffstore),
    cmd("spop", -2, true, set::spop),
    cmd("srandmember", -2, false, set::srandmember),
    cmd("sscan", -3, false, set::sscan),
    cmd("xadd", -5, true, stream::xadd),
    cmd("xdel", -3, true, stream::xdel),
    cmd("xtrim", -4, true, stream::xtrim),
    cmd("xlen", 2, false, stream::xlen),
    cmd("xrange", -4, false, stream::xrange),
    cmd("xrevrange", -4, false, stream::xrevrange),
    cmd("zadd", -4, true, zset::zadd),
    cmd("zincrby", 4, true, zset::zincrby),
    cmd("zrem", -3, true, zset::zrem),
    cmd("zcard", 2, false, zset::zcard),
    cmd("zscore", 3, false, zset::zscore),
    cmd("zmscore", -3, false, zset::zmscore),
    cmd("zrank", 3, false, zset::zrank),
    cmd("zrevrank", 3, false, zset::zrevrank),
    cmd("zrange", -4, false, zset_range::zrange),
    cmd("zrangestore", -5, true, zset_range::zrangestore),
    cmd("zrangebyscore", -4, false, zset_range::zrangebyscore),
    cmd("zrevrangebyscore", -4, false, zset_range::zrevrangebyscore),
    cmd("zrangebylex", -4, false, zset_range::zrangebylex),
    cmd("zrevrangebylex", -4, false, zset_range::zrevrangebylex),
    cmd("zrevrange", -4, false, zset_range::zrevrange),
    cmd("zcount", 4, false, zset_range::zcount),
    cmd("zlexcount", 4, false, zset_range::zlexcount),
    cmd("zremrangebyscore", 4, true, zset_range::zremrangebyscore),
    cmd("zremrangebyrank", 4, true, zset_range::zremrangebyrank),
    cmd("zremrangebylex", 4, true, zset_range::zremrangebylex),
    cmd("zpopmin", -2, true, zset_range::zpopmin),
    cmd("zpopmax", -2, true, zset_range::zpopmax),
    cmd("bzpopmin", -3, true, zset_range::bzpopmin),
    cmd("bzpopmax", -3, true, zset_range::bzpopmax),
    cmd("zmpop", -4, true, zset_range::zmpop),
    cmd("bzmpop", -5, true, zset_range::bzmpop),
    cmd("zunionstore", -4, true, zset_range::zunionstore),
    cmd("zinterstore", -4, true, zset_range::zinterstore),
    cmd("zdiffstore", -4, true, zset_range::zdiffstore),
    cmd("zunion", -3, false, zset_range::zunion),
    cmd("zinter", -3, false, zset_range::zinter),
    cmd("zdiff", -3, false, zset_range::zdiff),
    cmd("zrandmember", -2, false, zset_check::zrandmember),
    cmd("zscan", -3, false, zset::zscan_model),
];

/// Find a command by name, case-insensitively.
pub(super) fn lookup(name: &[u8]) -> Option<&'static Spec> {
    TABLE
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
}

/// The lowercase table name of a command, if known.
pub(super) fn name_of(argv: &[Vec<u8>]) -> Option<&'static str> {
    argv.first().and_then(|n| lookup(n)).map(|s| s.name)
}

/// `processCommand`'s checks before running: known command, right arity.
pub(super) fn check(argv: &[Vec<u8>]) -> Result<&'static Spec, Reply> {
    let Some(name) = argv.first() else {
        return Err(Reply::err("ERR empty command"));
    };
    let Some(spec) = lookup(name) else {
        return Err(unknown_command(argv));
    };
    let argc = argv.len() as i32;
    if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        return Err(arity_error(spec.name));
    }
    Ok(spec)
}

/// `ERR wrong number of arguments for 'get' command`.
pub(super) fn arity_error(name: &str) -> Reply {
    Reply::Error(format!(
        "ERR wrong number of arguments for '{name}' command"
    ))
}

/// Redis 7.0: `unknown command '%.128s', with args beginning with: ` then `'%.*s' ` per
/// argument while the list is shorter than 128 bytes; newlines become spaces.
fn unknown_command(argv: &[Vec<u8>]) -> Reply {
    let name = String::from_utf8_lossy(&argv[0]);
    let name: String = name.chars().take(128).collect();
    let mut args = String::new();
    for arg in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        let text = String::from_utf8_lossy(&arg[..arg.len().min(room)]).into_owned();
        args.push_str(&format!("'{text}' "));
    }
    let text = format!("ERR unknown command '{name}', with args beginning with: {args}");
    Reply::Error(text.replace(['\r', '\n'], " "))
}
