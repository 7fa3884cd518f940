//! The production driver: a single-threaded `mio` (epoll) event loop around [`Server`], the
//! counterpart of the simulator's scheduler. Per iteration: run cron when due, wait for events
//! (at most until the next cron), accept, read and `feed` clients, call `before_sleep` (the
//! write barrier: replies are sent only after it returns), write replies, close clients.
//! SIGTERM/SIGINT set a flag that shuts the server down cleanly.
//!
//! Spinning (`event-loop-spin-us`, default 300): for that long after an iteration that
//! handled events, the wait does not sleep (`epoll_wait` with a zero timeout). A request that
//! arrives meanwhile finds the server running, so the client's `send` does not have to wake a
//! sleeping thread — on a VM an inter-processor interrupt paid by the *client*, which is what
//! limits one-request-at-a-time clients on loopback. The price is CPU time while the server
//! is busy; an idle server sleeps as before. `reports/perf.md` measures both.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // this file is the OS seam

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

use crate::keyspace::ClientId;
use crate::server::{Flushed, Server};

/// Bytes read from a socket per `read` call.
const READ_CHUNK: usize = 64 * 1024;
/// Listener tokens are numbered from here down; client tokens are their ids.
const LISTENER_TOKEN_BASE: usize = usize::MAX - 64;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn install_signal_handlers() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

struct Conn {
    stream: TcpStream,
    writable_registered: bool,
}

pub struct EventLoop {
    poll: Poll,
    listeners: Vec<(TcpListener, bool)>,
    conns: BTreeMap<ClientId, Conn>,
    /// Clients that received input or still have output pending (may repeat; deduplicated
    /// when flushed). Reused across iterations to avoid allocating.
    active: Vec<ClientId>,
    flushing: Vec<ClientId>,
    buf: Vec<u8>,
}

fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

impl EventLoop {
    /// Bind every address of `bind` on `port` (a leading `-` makes an address optional).
    pub fn bind(server: &Server) -> io::Result<EventLoop> {
        let poll = Poll::new()?;
        let mut listeners = Vec::new();
        for (i, addr) in server.config.bind.iter().enumerate() {
            let (optional, host) = match addr.strip_prefix('-') {
                Some(h) => (true, h),
                None => (false, addr.as_str()),
            };
            let host = if host == "*" { "0.0.0.0" } else { host };
            let text = if host.contains(':') { format!("[{host}]:{}", server.config.port) } else { format!("{host}:{}", server.config.port) };
            let parsed: SocketAddr = text.parse().map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("Invalid bind address '{addr}'")))?;
            match TcpListener::bind(parsed) {
                Ok(mut l) => {
                    poll.registry().register(&mut l, Token(LISTENER_TOKEN_BASE + i), Interest::READABLE)?;
                    listeners.push((l, parsed.ip().is_loopback()));
                }
                Err(_) if optional => {}
                Err(e) => return Err(io::Error::new(e.kind(), format!("Could not create server TCP listening socket {text}: {e}"))),
            }
        }
        install_signal_handlers();
        Ok(EventLoop { poll, listeners, conns: BTreeMap::new(), active: Vec::new(), flushing: Vec::new(), buf: vec![0; READ_CHUNK] })
    }

    /// Run until SHUTDOWN or a signal.
    pub fn run(&mut self, server: &mut Server, mut log: impl FnMut(&[String])) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut last_busy = Instant::now();
        loop {
            let wait_us = server.maybe_cron();
            if STOP.load(Ordering::SeqCst) {
                server.log_warning("Received SIGTERM scheduling shutdown...");
                let _ = server.shutdown_from_signal();
                log(&server.log.drain());
                return Ok(());
            }
            self.cron_sweep(server);
            let spin = Duration::from_micros(server.config.event_loop_spin_us);
            let timeout = if last_busy.elapsed() < spin { Duration::ZERO } else { Duration::from_micros(wait_us.max(1)) };
            match self.poll.poll(&mut events, Some(timeout)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            if !events.is_empty() {
                last_busy = Instant::now();
            }
            for ev in events.iter() {
                let token = ev.token().0;
                if token >= LISTENER_TOKEN_BASE {
                    self.accept(server, token - LISTENER_TOKEN_BASE)?;
                } else {
                    self.read(server, token as ClientId);
                    self.active.push(token as ClientId);
                }
            }
            server.before_sleep();
            // Clients woken by this iteration's commands (blocking pops served, CLIENT KILL)
            // are written now, not after the next poll.
            self.cron_sweep(server);
            if let Some(err) = server.fatal_error() {
                server.log_warning(&format!("{err}; exiting without releasing replies"));
                log(&server.log.drain());
                return Err(io::Error::other(err));
            }
            self.flush(server);
            log(&server.log.drain());
            if server.shutdown {
                return Ok(());
            }
        }
    }

    fn accept(&mut self, server: &mut Server, index: usize) -> io::Result<()> {
        loop {
            let (listener, _) = &self.listeners[index];
            let (mut stream, peer) = match listener.accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Ok(()),
            };
            let _ = stream.set_nodelay(true);
            let laddr = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
            let id = server.connect(peer.to_string(), laddr);
            if server.config.protected_mode && server.config.requirepass.is_none() && !is_loopback(&peer) {
                server.deny_protected(id);
            }
            self.poll.registry().register(&mut stream, Token(id as usize), Interest::READABLE)?;
            self.conns.insert(id, Conn { stream, writable_registered: false });
            self.active.push(id);
        }
    }

    fn read(&mut self, server: &mut Server, id: ClientId) {
        let Some(conn) = self.conns.get_mut(&id) else { return };
        loop {
            match conn.stream.read(&mut self.buf) {
                Ok(0) => {
                    self.close(server, id);
                    return;
                }
                Ok(n) => {
                    server.feed(id, &self.buf[..n]);
                    if n < self.buf.len() {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.close(server, id);
                    return;
                }
            }
        }
    }

    /// Write pending replies of active clients; close the ones that asked for it.
    fn flush(&mut self, server: &mut Server) {
        std::mem::swap(&mut self.active, &mut self.flushing);
        self.flushing.sort_unstable();
        self.flushing.dedup();
        for i in 0..self.flushing.len() {
            let id = self.flushing[i];
            let Some(conn) = self.conns.get_mut(&id) else { continue };
            let stream = &mut conn.stream;
            let state = server.write_output(id, &mut |buf| stream.write(buf));
            if state == Flushed::Close {
                self.close(server, id);
                continue;
            }
            let pending = state == Flushed::Pending;
            if pending != conn.writable_registered {
                let interest = if pending { Interest::READABLE | Interest::WRITABLE } else { Interest::READABLE };
                let _ = self.poll.registry().reregister(&mut conn.stream, Token(id as usize), interest);
                conn.writable_registered = pending;
            }
            if pending {
                self.active.push(id);
            }
        }
        self.flushing.clear();
    }

    /// Pick up clients closed by CLIENT KILL or timeouts.
    fn cron_sweep(&mut self, server: &mut Server) {
        for id in server.take_close_requests() {
            self.active.push(id);
        }
    }

    fn close(&mut self, server: &mut Server, id: ClientId) {
        if let Some(mut conn) = self.conns.remove(&id) {
            let _ = self.poll.registry().deregister(&mut conn.stream);
        }
        server.disconnect(id);
    }
}
