//! The pallet's logic, one module per feature; `lib.rs` only declares and dispatches.

pub mod buyer_records;
pub mod credits;
pub mod issuance;
pub mod pruning;
pub mod receipts;
pub mod registry;
pub mod settlement;
pub mod trust;
pub mod validation;
pub mod weighing;
pub mod worker;
