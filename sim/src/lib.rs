//! keel-sim: the simulated environment and the scenario runner.
