//! Builds `src/util/longdouble.c`, the engine's only C: INCRBYFLOAT's x87 `long double`
//! arithmetic and C `strtod`/`printf` compatibility (see `src/util/longdouble.rs` for why).

fn main() {
    println!("cargo:rerun-if-changed=src/util/longdouble.c");
    cc::Build::new().file("src/util/longdouble.c").warnings(true).extra_warnings(true).compile("keel_longdouble");
}
