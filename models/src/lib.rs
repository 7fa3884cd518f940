//! keel-models: the reference model and the durability oracle.
