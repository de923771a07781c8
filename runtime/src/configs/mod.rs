//! Configuration of every pallet in the runtime, one module per concern.

mod consensus;
mod micropay;
mod monetary;
mod system;

pub use system::{RuntimeBlockLength, RuntimeBlockWeights};
