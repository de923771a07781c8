//! Unit tests on the mock runtime; every test ends with the invariants and total issuance
//! checked (see `mock::build_and_execute`).

mod attacks;
mod blocks;
mod bulk;
mod fuzz;
mod issuance;
mod migrations;
mod registry;
mod runs;
mod trust;
mod worker;
