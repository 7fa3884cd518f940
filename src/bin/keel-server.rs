//! keel-server: the Redis-compatible server.

#[global_allocator]
static ALLOC: keel::env::os_alloc::CountingAlloc = keel::env::os_alloc::CountingAlloc;

fn main() {
    eprintln!("keel-server: not yet wired");
}
